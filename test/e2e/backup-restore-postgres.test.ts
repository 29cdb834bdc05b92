import { backends } from '../support/harness.js';
import { backupWipeRestore } from './backup-restore.js';

// On a machine without PostgreSQL this is skipped with a note; in CI its absence fails the run (backends()).
if ((await backends()).includes('postgres')) backupWipeRestore('postgres');
