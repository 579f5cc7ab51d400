import { ConfigError } from '../bus/errors';

/**
 * Splits the configured reboot command into program and arguments, for execFile (no shell):
 * whitespace separates words; '…' is literal; "…" is literal except \" and \\; a backslash
 * outside quotes escapes the next character. No variables, globs or redirections — a user
 * who needs a shell writes `sh -c "…"` explicitly.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) word += line[++i];
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\') {
      if (i + 1 >= line.length) throw new ConfigError('reboot command ends with a lone backslash');
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new ConfigError(`reboot command has an unclosed ${quote} quote`);
  if (inWord) words.push(word);
  return words;
}
