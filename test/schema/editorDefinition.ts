import fs from 'node:fs';
import vm from 'node:vm';

export interface EditorDefinition {
  type: string;
  definition: Record<string, unknown> & { defaults?: Record<string, { value: unknown; type?: string }> };
}

/**
 * Runs the editor script of a node's .html in a sandbox with a stub RED, to read the
 * definition that the editor (and the Flow Library's validator) would see.
 */
export function readEditorDefinitions(htmlFile: string): EditorDefinition[] {
  const html = fs.readFileSync(htmlFile, 'utf8');
  const scripts = [...html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  const found: EditorDefinition[] = [];
  const validator = (): (() => boolean) => () => true;
  const RED = {
    nodes: { registerType: (type: string, definition: EditorDefinition['definition']) => found.push({ type, definition }) },
    validators: { number: validator, regex: validator, typedInput: validator },
    _: (k: string) => k,
    settings: {},
  };
  for (const code of scripts) vm.runInNewContext(code, { RED, $: () => ({}), console });
  return found;
}
