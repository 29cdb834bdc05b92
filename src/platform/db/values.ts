/**
 * A multi-row `VALUES ($1, $2), ($3, $4) …` list and its flat parameters, for inserting many rows in one statement.
 * Every row must have as many values as the statement names columns.
 */
export function valuesList(rows: readonly (readonly unknown[])[]): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const tuples = rows.map((row) => `(${row.map((value) => `$${params.push(value)}`).join(', ')})`);
  return { sql: tuples.join(', '), params };
}
