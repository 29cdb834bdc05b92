import { verifyBenchmarks } from './verify.js';
await verifyBenchmarks();
