// Benchmark-only: loaded with `node --import` into the system under test, it makes the decision log answer at once
// without writing, so a run can show what durable logging costs. It lives here, outside src/ and dist/, so no
// configuration of a deployed system can turn logging off.
import { DecisionLog } from '../dist/services/pgc/decision-log/log.js';

DecisionLog.prototype.append = () => Promise.resolve();
