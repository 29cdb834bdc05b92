import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { ToolAnnotations } from './annotations.js';
import { POISONED_FROM } from './definition.js';

export type { ToolAnnotations } from './annotations.js';

/** A tool as the catalogue knows it: what discovery found, and what an admin set. */
export interface CatalogueTool {
  id: string;
  annotations: ToolAnnotations;
  /** The admin's risk (0–100); null until set, when the annotations decide. */
  risk: number | null;
  /** The admin's classification of the data the tool handles; null until set. */
  data_classification: string | null;
  /** The injection detector's score on the tool's pinned definition (0 for a tool no server lists). */
  injection_score: number;
}

/** The attributes a catalogued tool gives Cedar's `Tool` entity. */
export interface ToolAttributes {
  risk: number;
  data_classification: string;
  read_only: boolean;
  destructive: boolean;
  open_world: boolean;
}

export const TOOL_ID = /^[a-z][a-z0-9_-]{0,39}\.[A-Za-z0-9_.-]{1,128}$/;

/** `<server>.<tool>`: how the gateway names an upstream tool, and the catalogue's key. */
export const toolId = (server: string, tool: string): string => `${server}.${tool}`;

/**
 * The risk a tool's annotations imply until an admin sets one. Absent hints take the MCP spec's defaults —
 * not read-only, destructive, open-world — so an unannotated tool is as risky as a tool can say it is.
 *
 * | annotations | risk |
 * |---|---|
 * | readOnlyHint, openWorldHint false | 10 |
 * | readOnlyHint (open world) | 30 |
 * | destructiveHint false, openWorldHint false | 40 |
 * | destructiveHint false (open world) | 70 |
 * | otherwise (destructive, or unannotated) | 90 |
 */
export function riskFromAnnotations(annotations: ToolAnnotations): number {
  const openWorld = annotations.openWorldHint !== false;
  if (annotations.readOnlyHint === true) return openWorld ? 30 : 10;
  if (annotations.destructiveHint === false) return openWorld ? 70 : 40;
  return 90;
}

/** The classification annotations imply: a tool that reaches outside handles data that leaves. */
export const classificationFromAnnotations = (annotations: ToolAnnotations): string =>
  annotations.openWorldHint === false ? 'internal' : 'external';

/** The least risk of a tool whose definition carries injected instructions: at the approval threshold or above. */
export const POISONED_TOOL_RISK = 90;

export function toolAttributes(tool: CatalogueTool): ToolAttributes {
  const { annotations } = tool;
  const readOnly = annotations.readOnlyHint === true;
  const risk = tool.risk ?? riskFromAnnotations(annotations);
  return {
    // Whatever an admin or the annotations say, a poisoned definition is as risky as a tool gets.
    risk: tool.injection_score >= POISONED_FROM ? Math.max(risk, POISONED_TOOL_RISK) : risk,
    data_classification: tool.data_classification ?? classificationFromAnnotations(annotations),
    read_only: readOnly,
    destructive: !readOnly && annotations.destructiveHint !== false,
    open_world: annotations.openWorldHint !== false,
  };
}

/**
 * The `Tool` entity's attributes for a request: the catalogue's, where a caller's declared risk can only raise the
 * catalogue's and nothing else a caller says of a catalogued tool counts. A tool the catalogue does not know keeps
 * what the caller declared.
 */
export function resourceAttributes(
  declared: Readonly<Record<string, CedarValueJson>> | undefined,
  tool: CatalogueTool | null,
): Record<string, CedarValueJson> | undefined {
  if (tool === null) return declared === undefined ? undefined : { ...declared };
  const attributes = toolAttributes(tool);
  const declaredRisk = declared?.['risk'];
  return {
    ...attributes,
    risk: typeof declaredRisk === 'number' ? Math.max(attributes.risk, declaredRisk) : attributes.risk,
  };
}
