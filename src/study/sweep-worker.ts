// A worker thread of `vmlab sweep` (bundled as dist/sweep-worker.js by bin/build.mjs): it gets
// the sweep's spec once (workerData), then runs one grid point per message and posts back what
// it measured, or the error (a UserError's message is the user's to read; anything else is a
// bug). See sweep.ts for the protocol.

import { parentPort, workerData } from 'node:worker_threads';
import { UserError, errorMessage } from '../util/errors.ts';
import { runSweepTask, type FromWorker, type SweepSpec, type ToWorker } from './sweep.ts';

const port = parentPort;
if (port === null) throw new Error('sweep-worker.js runs as a worker thread of vmlab sweep');
const spec = (workerData as { spec: SweepSpec }).spec;

port.on('message', (msg: ToWorker) => {
  let reply: FromWorker;
  try {
    reply = { id: msg.task.id, run: runSweepTask(spec, msg.task) };
  } catch (e) {
    reply = { id: msg.task.id, error: errorMessage(e), user: e instanceof UserError };
  }
  port.postMessage(reply);
});
