import { fuzzEveryRoute } from './api-fuzz.js';

fuzzEveryRoute('pglite');
