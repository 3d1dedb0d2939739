import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';

/**
 * Reads a YAML file the way a strict consumer (Prometheus, Grafana, docker compose) does: the
 * `yaml` package's full YAML 1.2 parser, and any error or warning (a duplicate key, a bad
 * indent, an unresolved tag) fails loudly with the file name and line instead of being misread.
 */
export function readYaml<T = unknown>(file: string): T {
  return parseYaml<T>(readFileSync(file, 'utf8'), file);
}

export function parseYaml<T = unknown>(src: string, name = '<string>'): T {
  // merge keys (`<<: *anchor`) as docker compose and Go's yaml read them
  const doc = parseDocument(src, { uniqueKeys: true, prettyErrors: true, strict: true, merge: true });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length) throw new Error(`${name}: ${problems.map((p) => p.message).join('\n')}`);
  return doc.toJS({ maxAliasCount: 100 }) as T;
}
