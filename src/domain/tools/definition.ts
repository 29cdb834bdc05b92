import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json.js';
import { detectInjection } from '../detectors/injection.js';
import type { ToolAnnotations } from './annotations.js';

/** A tool as an upstream server's tools/list defines it: everything an agent (and its model) reads of it. */
export interface ToolDefinition {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: ToolAnnotations;
}

/** The digest a definition is pinned by: SHA-256 of its RFC 8785 JSON, every field an agent reads included. */
export function definitionDigest(definition: ToolDefinition): string {
  const { name, title, description, inputSchema, outputSchema, annotations } = definition;
  return createHash('sha256')
    .update(canonicalJson({ name, title, description, inputSchema, outputSchema, annotations }), 'utf8')
    .digest('hex');
}

/** A score from which a tool's definition counts as carrying injected instructions ("tool poisoning"). */
export const POISONED_FROM = 50;

/** Text a model reads in a definition: title, description, and every title and description inside its schemas. */
function prose(value: unknown, into: string[]): string[] {
  if (Array.isArray(value)) for (const item of value) prose(item, into);
  else if (typeof value === 'object' && value !== null)
    for (const [key, item] of Object.entries(value)) {
      if ((key === 'description' || key === 'title') && typeof item === 'string') into.push(item);
      else prose(item, into);
    }
  return into;
}

/**
 * The prompt-injection detector's score on everything a model reads of the definition. Tool descriptions reach the
 * model as instructions, so a description that tells it to ignore its rules or send data elsewhere is an attack.
 */
export function definitionInjectionScore(definition: ToolDefinition): number {
  const text = prose(
    {
      title: definition.title,
      description: definition.description,
      input: definition.inputSchema,
      output: definition.outputSchema,
    },
    [],
  ).join('\n\n');
  return detectInjection(text).score;
}
