#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError } from '../platform/errors.js';
import { registerStackCommands } from './commands/stack.js';
import { registerUserCommands } from './commands/user.js';
import { registerBundleCommands } from './commands/bundle.js';
import { registerEvalCommands } from './commands/eval.js';
import { registerVerifyCommands } from './commands/verify.js';
import { registerMcpCommands } from './commands/mcp.js';
import { registerLlmCommands } from './commands/llm.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerRenderCommands } from './commands/render.js';
import { registerGatewayCommands } from './commands/gateway.js';
import { registerBackupCommands } from './commands/backup.js';
import { registerOperationsCommands } from './commands/operations.js';

const program = new Command('acgs').description('ACGS-PGP: AI constitutional governance platform').version('0.1.0');
registerStackCommands(program);
registerUserCommands(program);
registerBundleCommands(program);
registerEvalCommands(program);
registerVerifyCommands(program);
registerMcpCommands(program);
registerLlmCommands(program);
registerAuditCommands(program);
registerRenderCommands(program);
registerGatewayCommands(program);
registerBackupCommands(program);
registerOperationsCommands(program);

program.parseAsync().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`acgs: invalid configuration: ${error.message}`);
  else console.error(`acgs: ${(error as Error).message}`);
  process.exit(1);
});
