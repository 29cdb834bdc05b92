import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';

/** An entity as a request names it: its uid and, for the principal and resource, its attributes. */
export interface EntityRef {
  type: string;
  id: string;
  attributes?: Record<string, CedarValueJson>;
}

/** What the engine decides: Cedar's request, its entities' attributes inline. */
export interface EngineRequest {
  principal: EntityRef;
  action: string;
  resource: EntityRef;
  context: Record<string, CedarValueJson>;
}
