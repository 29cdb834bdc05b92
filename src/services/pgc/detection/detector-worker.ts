// A detector thread: runs the content detectors on large content so a request's scan never holds the event loop
// that every other service in the process answers on.
import { parentPort, workerData } from 'node:worker_threads';
import type { CompiledKeywordList } from '../../../domain/detectors/keywords.js';
import { runDetectors } from '../../../domain/detectors/run.js';

const port = parentPort!;
const keywordLists = workerData as CompiledKeywordList[];

port.on('message', (message: { id: number; content: string }) => {
  port.postMessage({ id: message.id, result: runDetectors(message.content, keywordLists) });
});
// Loaded: from now on a scan's time is the scan's, not the thread's start-up.
port.postMessage({ ready: true });
