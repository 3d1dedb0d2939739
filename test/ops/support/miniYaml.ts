/**
 * A YAML reader for the subset our ops files use (Prometheus rule files): block mappings,
 * block sequences (including `- key: value` items), plain / single- / double-quoted scalars,
 * `|` and `>` block scalars, and comments. Anything else throws, so a file that drifts outside
 * the subset fails the test loudly instead of being misread.
 */
type Yaml = string | number | boolean | null | Yaml[] | { [k: string]: Yaml };

interface Line {
  n: number;
  indent: number;
  text: string;
  raw: string;
}

function stripComment(s: string): string {
  let q: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (q) {
      if (c === '\\' && q === '"') i++;
      else if (c === q) q = null;
    } else if (c === '"' || c === "'") q = c;
    else if (c === '#' && (i === 0 || /\s/.test(s[i - 1]!))) return s.slice(0, i).trimEnd();
  }
  return s.trimEnd();
}

function scalar(s: string, n: number): Yaml {
  const t = s.trim();
  if (t.startsWith('"')) {
    if (!t.endsWith('"') || t.length < 2) throw new Error(`line ${n}: unterminated string`);
    return JSON.parse(t) as string;
  }
  if (t.startsWith("'")) {
    if (!t.endsWith("'") || t.length < 2) throw new Error(`line ${n}: unterminated string`);
    return t.slice(1, -1).replace(/''/g, "'");
  }
  if (/^[[{&*!%@`]/.test(t)) throw new Error(`line ${n}: flow/anchor syntax is outside the supported subset: ${t}`);
  if (t === '' || t === '~' || t === 'null') return null;
  if (t === 'true' || t === 'false') return t === 'true';
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  return t;
}

const KEY_RE = /^([A-Za-z_][\w.-]*|"[^"]*"):(?:\s+(.*)|)$/;

export function parseYaml(src: string): Yaml {
  const all: Line[] = src.split(/\r?\n/).map((raw, i) => {
    if (/^\s*\t/.test(raw)) throw new Error(`line ${i + 1}: tabs are not allowed for indentation`);
    const indent = raw.length - raw.trimStart().length;
    return { n: i + 1, indent, raw, text: stripComment(raw.trim()) };
  });
  let i = 0;
  const skip = () => {
    while (i < all.length && all[i]!.text === '') i++;
  };

  function block(indent: number): Yaml {
    skip();
    if (i >= all.length) return null;
    const l = all[i]!;
    if (l.indent < indent) return null;
    return l.text === '-' || l.text.startsWith('- ') ? seq(l.indent) : map(l.indent);
  }

  function blockScalar(style: string, parentIndent: number): string {
    const out: string[] = [];
    let ind = -1;
    while (i < all.length) {
      const l = all[i]!;
      if (l.raw.trim() !== '' && l.indent <= parentIndent) break;
      if (l.raw.trim() !== '' && ind < 0) ind = l.indent;
      out.push(l.raw.trim() === '' ? '' : l.raw.slice(ind));
      i++;
    }
    while (out.length && out[out.length - 1] === '') out.pop();
    const body = style.startsWith('>') ? out.join(' ').replace(/ {2,}/g, ' ') : out.join('\n');
    return style.endsWith('-') ? body : `${body}\n`;
  }

  function value(rest: string | undefined, indent: number, n: number): Yaml {
    if (rest === undefined || rest === '') {
      i++;
      skip();
      const next = all[i];
      if (!next) return null;
      if (next.indent > indent) return block(next.indent);
      if (next.indent === indent && (next.text === '-' || next.text.startsWith('- '))) return seq(indent);
      return null;
    }
    if (/^[|>][-+]?$/.test(rest)) {
      i++;
      return blockScalar(rest, indent);
    }
    i++;
    return scalar(rest, n);
  }

  function map(indent: number): { [k: string]: Yaml } {
    const out: { [k: string]: Yaml } = {};
    for (;;) {
      skip();
      const l = all[i];
      if (!l || l.indent < indent) return out;
      if (l.indent > indent) throw new Error(`line ${l.n}: unexpected indentation`);
      if (l.text === '-' || l.text.startsWith('- ')) return out;
      const m = KEY_RE.exec(l.text);
      if (!m) throw new Error(`line ${l.n}: expected "key: value", got ${l.text}`);
      const key = m[1]!.startsWith('"') ? (JSON.parse(m[1]!) as string) : m[1]!;
      if (key in out) throw new Error(`line ${l.n}: duplicate key ${key}`);
      out[key] = value(m[2], indent, l.n);
    }
  }

  function seq(indent: number): Yaml[] {
    const out: Yaml[] = [];
    for (;;) {
      skip();
      const l = all[i];
      if (!l || l.indent < indent || !(l.text === '-' || l.text.startsWith('- '))) return out;
      if (l.indent > indent) throw new Error(`line ${l.n}: unexpected indentation`);
      const content = l.text === '-' ? '' : l.text.slice(2).trimStart();
      if (content === '') {
        out.push(value(undefined, indent, l.n));
      } else if (KEY_RE.test(content)) {
        // "- key: v" opens a mapping whose keys sit where `key` starts
        const col = l.indent + (l.raw.trimStart().length - l.raw.trimStart().slice(1).trimStart().length);
        all[i] = { ...l, indent: col, text: content };
        out.push(map(col));
      } else {
        i++;
        out.push(scalar(content, l.n));
      }
    }
  }

  const doc = block(0);
  skip();
  if (i < all.length) throw new Error(`line ${all[i]!.n}: could not parse ${all[i]!.text}`);
  return doc;
}
