import { backends } from '../support/harness.js';
import { mcpGatewayOn } from './mcp-gateway.js';

// On a machine without PostgreSQL this is skipped with a note; in CI its absence fails the run (backends()).
if ((await backends()).includes('postgres')) mcpGatewayOn('postgres');
