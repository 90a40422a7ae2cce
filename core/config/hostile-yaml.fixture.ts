/**
 * Hostile YAML documents for tests of the parsing guards (parse-yaml.ts, parse-pool.ts): each one
 * stalled or crashed the parser before the guards existed.
 */

/** Aliases of aliases: 9^9 "lol"s once expanded (the "billion laughs" attack). */
export function billionLaughs(): string {
  let text = 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n';
  for (let i = 1; i < 10; i++)
    text += `a${i}: &a${i} [${Array(9)
      .fill(`*a${i - 1}`)
      .join(', ')}]\n`;
  return text;
}

/** `n` nested flow sequences (300,000 → 600 KB; parsing it took 6–10 s on one thread). */
export function nestedBrackets(n = 300_000): string {
  return `${'[ '.repeat(n)}\n`;
}
