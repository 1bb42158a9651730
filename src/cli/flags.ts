/**
 * Takes a command's own flags out of argv before the rest goes to loadConfig (which rejects flags it does not
 * know). `--name value` and `--name=value` are both accepted; repeated flags collect into arrays.
 */
export function takeFlags(
  argv: readonly string[],
  spec: Record<string, "string" | "boolean">,
): { values: Record<string, string[] | boolean>; rest: string[] } {
  const values: Record<string, string[] | boolean> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    const kind = m ? spec[m[1]] : undefined;
    if (!m || !kind) {
      rest.push(arg);
      continue;
    }
    if (kind === "boolean") {
      values[m[1]] = m[2] === undefined ? true : !/^(false|0|no)$/i.test(m[2]);
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${m[1]} needs a value`);
    values[m[1]] = [...((values[m[1]] as string[] | undefined) ?? []), value];
  }
  return { values, rest };
}
