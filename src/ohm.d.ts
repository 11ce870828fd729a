// Grammar files are imported as text (esbuild's text loader; a plugin in vitest.config.ts).
declare module '*.ohm' {
  const source: string;
  export default source;
}
