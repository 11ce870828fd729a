import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CHART_COLOURS, escapeXml, lineChart, niceTicks, tickLabel, type ChartSeries } from '../src/util/svg-chart.ts';

interface XmlElement {
  name: string;
  attrs: Map<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * A small XML reader that is strict about well-formedness: one root element, matching and
 * properly nested tags, quoted attributes each given once, known entities only, no '<' or
 * '&' loose in text or attribute values. Throws on the first fault.
 */
function parseXml(src: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`${why} at ${i}: ${JSON.stringify(src.slice(i, i + 30))}`);
  };
  const isNameChar = (c: string) => /[A-Za-z0-9_:.-]/.test(c);
  const name = () => {
    const s = i;
    while (i < src.length && isNameChar(src[i]!)) i++;
    if (i === s) fail('expected a name');
    return src.slice(s, i);
  };
  const ws = () => {
    while (i < src.length && ' \t\r\n'.includes(src[i]!)) i++;
  };
  const decode = (raw: string) =>
    raw.replace(/&([^;]*);/g, (_, e: string) => {
      if (e in ENTITIES) return ENTITIES[e]!;
      if (/^#\d+$/.test(e)) return String.fromCodePoint(Number(e.slice(1)));
      if (/^#x[0-9a-f]+$/i.test(e)) return String.fromCodePoint(parseInt(e.slice(2), 16));
      return fail(`unknown entity &${e};`);
    });
  const checkText = (raw: string) => {
    if (raw.includes('<')) fail('loose <');
    if (/&(?![a-z]+;|#\d+;|#x[0-9a-f]+;)/i.test(raw)) fail('loose &');
  };
  const element = (): XmlElement => {
    if (src[i] !== '<') fail('expected <');
    i++;
    const el: XmlElement = { name: name(), attrs: new Map(), children: [], text: '' };
    for (;;) {
      ws();
      if (src.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (src[i] === '>') {
        i++;
        break;
      }
      const an = name();
      ws();
      if (src[i] !== '=') fail('expected =');
      i++;
      ws();
      const q = src[i];
      if (q !== '"' && q !== "'") fail('unquoted attribute');
      const end = src.indexOf(q!, i + 1);
      if (end < 0) fail('unterminated attribute');
      const raw = src.slice(i + 1, end);
      checkText(raw);
      if (el.attrs.has(an)) fail(`attribute ${an} twice`);
      el.attrs.set(an, decode(raw));
      i = end + 1;
    }
    for (;;) {
      const lt = src.indexOf('<', i);
      if (lt < 0) fail(`unclosed <${el.name}>`);
      const raw = src.slice(i, lt);
      checkText(raw);
      el.text += decode(raw);
      i = lt;
      if (src.startsWith('</', i)) {
        i += 2;
        const n = name();
        if (n !== el.name) fail(`</${n}> closes <${el.name}>`);
        ws();
        if (src[i] !== '>') fail('expected >');
        i++;
        return el;
      }
      if (src.startsWith('<!--', i)) {
        const end = src.indexOf('-->', i);
        if (end < 0) fail('unterminated comment');
        i = end + 3;
        continue;
      }
      el.children.push(element());
    }
  };
  ws();
  if (src.startsWith('<?xml', i)) i = src.indexOf('?>', i) + 2;
  ws();
  const root = element();
  ws();
  if (i !== src.length) fail('content after the root element');
  return root;
}

function all(el: XmlElement, pred: (e: XmlElement) => boolean, out: XmlElement[] = []): XmlElement[] {
  if (pred(el)) out.push(el);
  for (const c of el.children) all(c, pred, out);
  return out;
}

describe('the tiny XML checker', () => {
  it('accepts well-formed XML and rejects the usual faults', () => {
    expect(parseXml('<a x="1"><b/>t &amp; u<c y=\'2\'>z</c></a>').children.length).toBe(2);
    for (const bad of ['<a><b></a></b>', '<a x=1/>', '<a x="1" x="2"/>', '<a>&nope;</a>', '<a>1 < 2</a>', '<a/><b/>', '<a>', '<a>& </a>']) {
      expect(() => parseXml(bad), bad).toThrow();
    }
  });
});

const faults: ChartSeries[] = [
  { name: 'fifo', points: [[1, 12], [2, 12], [3, 9], [4, 10], [5, 5]] },
  { name: 'lru', points: [[1, 12], [2, 12], [3, 10], [4, 8], [5, 5]] },
  { name: 'opt', points: [[1, 12], [2, 9], [3, 7], [4, 6], [5, 5]] },
];

describe('lineChart', () => {
  it('is a well-formed standalone SVG with title, axes labels, legend and every point', () => {
    const svg = lineChart({ title: 'Faults vs frames', xLabel: 'frames', yLabel: 'page faults', series: faults });
    const root = parseXml(svg);
    expect(root.name).toBe('svg');
    expect(root.attrs.get('xmlns')).toBe('http://www.w3.org/2000/svg');
    expect(root.attrs.get('viewBox')).toBe('0 0 760 460');
    // Nothing fetched from elsewhere.
    expect(svg).not.toMatch(/href|url\(|@import|<image|<script/);
    const texts = all(root, (e) => e.name === 'text').map((e) => e.text);
    expect(texts).toEqual(expect.arrayContaining(['Faults vs frames', 'frames', 'page faults', 'fifo', 'lru', 'opt']));
    // Tick labels: frames 1..5 on x, 0..12 on y.
    for (const t of ['1', '2', '3', '4', '5', '0', '12']) expect(texts).toContain(t);
    for (const s of faults) {
      const g = all(root, (e) => e.attrs.get('data-series') === s.name);
      expect(g.length).toBe(1);
      const marks = all(g[0]!, (e) => e.attrs.has('data-x')).map((e) => [Number(e.attrs.get('data-x')), Number(e.attrs.get('data-y'))]);
      expect(marks).toEqual(s.points);
      expect(all(g[0]!, (e) => e.name === 'polyline').length).toBe(1);
    }
  });

  it('gives each series its own colour and marker shape', () => {
    const series = Array.from({ length: 6 }, (_, k) => ({ name: `s${k}`, points: [[1, k], [2, k + 1]] as [number, number][] }));
    const root = parseXml(lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series }));
    const lines = all(root, (e) => e.name === 'polyline').map((e) => e.attrs.get('stroke'));
    expect(new Set(lines).size).toBe(6);
    expect(lines[0]).toBe(CHART_COLOURS[0]);
    const shapes = series.map((s) => {
      const g = all(root, (e) => e.attrs.get('data-series') === s.name)[0]!;
      const m = all(g, (e) => e.attrs.has('data-x'))[0]!;
      return m.attrs.get('data-marker');
    });
    expect(new Set(shapes).size).toBe(6);
  });

  it('places points where the scales say (y grows upwards, x rightwards)', () => {
    const root = parseXml(lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', points: [[1, 1], [2, 4], [3, 2]] }] }));
    const m = all(root, (e) => e.name === 'circle' && e.attrs.has('data-x'));
    const cx = m.map((e) => Number(e.attrs.get('cx')));
    const cy = m.map((e) => Number(e.attrs.get('cy')));
    expect(cx[0]! < cx[1]! && cx[1]! < cx[2]!).toBe(true);
    expect(cy[1]! < cy[2]! && cy[2]! < cy[0]!).toBe(true);
    expect(cx[1]! - cx[0]!).toBeCloseTo(cx[2]! - cx[1]!, 0);
  });

  it('escapes names and titles', () => {
    const svg = lineChart({ title: 'a < b & "c"', xLabel: "x's", yLabel: 'y>', series: [{ name: '<lru> & co', points: [[1, 2]] }] });
    const root = parseXml(svg);
    const texts = all(root, (e) => e.name === 'text').map((e) => e.text);
    expect(texts).toEqual(expect.arrayContaining(['a < b & "c"', "x's", 'y>', '<lru> & co']));
  });

  it('draws a log x axis with a tick at each of a few values, and leaves out x <= 0', () => {
    const sizes = [4, 8, 16, 32, 64, 128, 256, 512];
    const svg = lineChart({
      title: 'TLB', xLabel: 'entries', yLabel: 'cycles/access', logX: true,
      series: [{ name: 'lru', points: [[0, 9], ...sizes.map((s) => [s, 1 + 16 / s] as [number, number])] }],
    });
    const root = parseXml(svg);
    const texts = all(root, (e) => e.name === 'text').map((e) => e.text);
    for (const s of sizes) expect(texts).toContain(String(s));
    expect(texts).toContain('entries (log scale)');
    const cx = all(root, (e) => e.attrs.has('data-x')).map((e) => Number(e.attrs.get('cx')));
    expect(cx.length).toBe(sizes.length);
    // Equal ratios, equal distances.
    for (let k = 2; k < cx.length; k++) expect(cx[k]! - cx[k - 1]!).toBeCloseTo(cx[1]! - cx[0]!, 0);
  });

  it('copes with no data, one point, flat and negative series, and gaps', () => {
    const cases: ChartSeries[][] = [
      [],
      [{ name: 'one', points: [[3, 7]] }],
      [{ name: 'flat', points: [[1, 0], [2, 0]] }],
      [{ name: 'neg', points: [[-5, -1e6], [5, 2.5e6]] }],
      [{ name: 'gap', points: [[1, 1], [2, NaN], [3, 3], [4, 4]] }],
      [{ name: 'empty', points: [] }],
    ];
    for (const series of cases) {
      const svg = lineChart({ title: 'edge', xLabel: 'x', yLabel: 'y', series });
      expect(() => parseXml(svg)).not.toThrow();
      expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    }
    const gap = parseXml(lineChart({ title: 'g', xLabel: 'x', yLabel: 'y', series: cases[4]! }));
    expect(all(gap, (e) => e.name === 'polyline').length).toBe(1); // [1,1] alone, then [3,3]-[4,4]
    expect(all(gap, (e) => e.attrs.has('data-x')).length).toBe(3);
  });

  it('stays well-formed for any finite data', () => {
    const pt = fc.tuple(fc.double({ min: -1e9, max: 1e9, noNaN: true }), fc.double({ min: -1e9, max: 1e9, noNaN: true }));
    fc.assert(
      fc.property(fc.array(fc.record({ name: fc.string(), points: fc.array(pt, { maxLength: 20 }) }), { maxLength: 8 }), fc.boolean(), (series, logX) => {
        const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series, logX });
        parseXml(svg);
        expect(svg).not.toMatch(/NaN|Infinity|undefined/);
      }),
      { numRuns: 150 },
    );
  });
});

describe('ticks', () => {
  it('steps by 1, 2 or 5 times a power of ten', () => {
    expect(niceTicks(0, 12, 6).ticks).toEqual([0, 2, 4, 6, 8, 10, 12]);
    expect(niceTicks(0, 1, 5).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(1, 16, 8, true).ticks).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
    expect(niceTicks(1, 3, 10, true).ticks).toEqual([1, 2, 3]);
  });

  it('labels large and fractional values briefly', () => {
    expect(tickLabel(2_500_000, 500_000)).toBe('2.5M');
    expect(tickLabel(1000, 200)).toBe('1k');
    expect(tickLabel(0.6000000000000001, 0.2)).toBe('0.6');
    expect(tickLabel(12, 2)).toBe('12');
    // Whole numbers below 10,000 stay whole unless they are round thousands: TLB sizes on a log axis.
    expect(tickLabel(1024, 1)).toBe('1024');
    expect(tickLabel(2000, 1)).toBe('2k');
    expect(escapeXml(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&apos;');
  });
});

describe('lineChart on spans floating point cannot divide', () => {
  // fast-check found y = 5e-324 (the smallest denormal): the tick step underflowed to 0 and
  // every coordinate became NaN.
  it('keeps every coordinate finite for denormal and near-equal values', () => {
    const cases: [number, number][][] = [
      [[0, 5e-324]],
      [[5e-324, 0], [0, 5e-324]],
      [[1e9, 1e9 + 1e-7]],
      [[-5e-324, 5e-324]],
    ];
    for (const points of cases) {
      for (const logX of [false, true]) {
        const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', points }], logX });
        expect(svg).not.toMatch(/NaN|Infinity|undefined/);
      }
    }
  });
});
