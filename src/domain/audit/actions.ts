/**
 * Action namespaces the platform itself writes. Other systems may not append in them: receipts, bundle transparency
 * and auditors rely on, say, `decision.evaluated` or `bundle.activated` entries having come from the platform.
 */
export const PLATFORM_ACTION_NAMESPACES = [
  'amendment',
  'appeal',
  'approval',
  'audit',
  'auth',
  'bundle',
  'constitution',
  'crypto',
  'decision',
  'mcp',
  'policy',
  'principle',
  'synthesis',
  'template',
  'tool',
  'verification',
] as const;

export function isPlatformAction(action: string): boolean {
  const namespace = action.split('.')[0]!;
  return (PLATFORM_ACTION_NAMESPACES as readonly string[]).includes(namespace);
}
