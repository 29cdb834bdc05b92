import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { LRUCache } from 'lru-cache';
import { canonicalJson } from '../../../domain/canonical-json.js';

// ajv-formats ships CommonJS with a default export that TypeScript sees one level deep.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/**
 * Checks structured results against their tools' output schemas as an MCP client does (the SDK's own Ajv settings:
 * lax about unknown keywords, strict about formats), so a redacted result the gateway delivers is one the agent's
 * client accepts. A schema Ajv cannot compile conforms to nothing.
 */
export class OutputSchemas {
  private readonly ajv = new Ajv({ strict: false, validateFormats: true, validateSchema: false, allErrors: false });
  private readonly compiled = new LRUCache<string, { validate: ValidateFunction | null }>({ max: 1000 });

  constructor() {
    addFormats(this.ajv);
  }

  conforms(schema: Record<string, unknown>): (value: unknown) => boolean {
    const key = canonicalJson(schema);
    let entry = this.compiled.get(key);
    if (entry === undefined) {
      try {
        entry = { validate: this.ajv.compile(schema) };
      } catch {
        entry = { validate: null };
      }
      this.compiled.set(key, entry);
    }
    const { validate } = entry;
    return (value) => validate !== null && validate(value) === true;
  }
}
