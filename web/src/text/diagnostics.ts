/** Cedar diagnostics from an INVALID_CEDAR detail ("policy:line:column: message; …"), to mark them in the source. */

export interface Diagnostic {
  line: number | null;
  column: number | null;
  message: string;
}

export function parseDiagnostics(detail: string): Diagnostic[] {
  return detail
    .split('; ')
    .filter((part) => part.trim() !== '')
    .map((part) => {
      const located = /^[^:\s]+:(\d+):(\d+): ([\s\S]*)$/.exec(part);
      if (located !== null) return { line: Number(located[1]), column: Number(located[2]), message: located[3]! };
      return { line: null, column: null, message: part.replace(/^[^:\s]+: /, '') };
    });
}
