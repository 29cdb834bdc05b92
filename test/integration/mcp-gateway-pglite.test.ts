import { mcpGatewayOn } from './mcp-gateway.js';

mcpGatewayOn('pglite');
