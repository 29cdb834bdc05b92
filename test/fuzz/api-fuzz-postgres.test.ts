import { backends } from '../support/harness.js';
import { fuzzEveryRoute } from './api-fuzz.js';

// On a machine without PostgreSQL this is skipped with a note; in CI its absence fails the run (backends()).
if ((await backends()).includes('postgres')) fuzzEveryRoute('postgres');
