import { backupWipeRestore } from './backup-restore.js';

backupWipeRestore('pglite');
