/**
 * Manifests with where they came from: parsed from YAML text (with the line of every field), read
 * from files and directories, or taken from a cdk8s App (with the construct path of every object).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Document, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, parseDocument, Scalar } from 'yaml';

/** One object of the manifests and where it came from. */
export interface ManifestDocument {
  /** The object, as plain JSON. */
  readonly manifest: any;
  /**
   * The file it was read from.
   * @default - not read from a file (e.g. synthesized in memory)
   */
  readonly file?: string;
  /**
   * The 1-based line in `file` where the object starts.
   * @default - unknown
   */
  readonly line?: number;
  /**
   * The path of the construct that produced the object (`chart/construct/resource`).
   * @default - unknown (hand-written YAML, Helm output, or no construct metadata)
   */
  readonly constructPath?: string;
}

/** A step into a JSON value: a map key or a list index. @internal */
export type Segment = string | number;

/** A document whose fields can be located in its file. @internal */
export interface LocatedDocument extends ManifestDocument {
  /** The 1-based line of the value at `segments` (or of its nearest ancestor that exists). */
  lineOf(segments: readonly Segment[], inner?: readonly Segment[]): number | undefined;
}

/** A file (or part of one) that is not valid YAML. @internal */
export interface SyntaxProblem {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

/** What reading manifests produced: the objects, and the text that could not be read. @internal */
export interface ReadResult {
  readonly documents: LocatedDocument[];
  readonly problems: SyntaxProblem[];
}

/** Where a `construct-metadata.json` (written by cdk8s when the CLI asks for it) maps object names to construct paths. */
const CONSTRUCT_METADATA = 'construct-metadata.json';
const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

/**
 * Parses YAML (or JSON) text holding one or more documents. A document with a syntax error is
 * reported with its file, line and column, and the other documents are still read. Empty
 * documents are skipped.
 * @internal
 */
export function parseManifestText(text: string, file?: string, constructPaths?: ReadonlyMap<string, string>): ReadResult {
  const lineCounter = new LineCounter();
  const documents: LocatedDocument[] = [];
  const problems: SyntaxProblem[] = [];
  let parsed: Document.Parsed[];
  try {
    // merge keys (<<) as kubectl, Helm and kustomize read them (go-yaml), which YAML 1.2 lacks
    parsed = parseAllDocuments(text, { lineCounter, prettyErrors: true, uniqueKeys: true, merge: true }) as Document.Parsed[];
  } catch (e) {
    return { documents, problems: [{ file, message: (e as Error).message }] };
  }
  if (!Array.isArray(parsed)) return { documents, problems }; // an empty stream
  for (const doc of parsed) {
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        const pos = error.linePos?.[0];
        // the position is reported apart: without the parser's own " at line L, column C:" suffix
        problems.push({ file, line: pos?.line, column: pos?.col, message: firstLine(error.message).replace(/ at line \d+, column \d+:?$/, '') });
      }
      continue;
    }
    let manifest: unknown;
    try {
      manifest = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      const start = doc.contents?.range?.[0];
      problems.push({ file, line: start === undefined ? undefined : lineCounter.linePos(start).line, message: firstLine((e as Error).message) });
      continue;
    }
    if (manifest === null || manifest === undefined) continue;
    const start = doc.contents?.range?.[0];
    // an alias inside the node it names makes a cycle, which Kubernetes' YAML reader refuses
    // ("anchor ... value contains itself") and no walk of the object could finish
    if (isCyclic(manifest)) {
      problems.push({ file, line: start === undefined ? undefined : lineCounter.linePos(start).line, message: 'an alias refers to a node that contains it (a cycle), which Kubernetes refuses' });
      continue;
    }
    const name = (manifest as any)?.metadata?.name;
    documents.push({
      manifest,
      file,
      line: start === undefined ? undefined : lineCounter.linePos(start).line,
      constructPath: typeof name === 'string' ? constructPaths?.get(name) : undefined,
      lineOf: (segments, inner) => locate(doc, lineCounter, segments, inner),
    });
  }
  return { documents, problems };
}

/**
 * Reads manifest files. A file that can't be read is reported as a problem, like a syntax error.
 * A `construct-metadata.json` beside a file supplies the construct paths.
 * @internal
 */
export function readManifestFiles(files: readonly string[], constructPaths?: ReadonlyMap<string, string>): ReadResult {
  const documents: LocatedDocument[] = [];
  const problems: SyntaxProblem[] = [];
  const metadataByDir = new Map<string, ReadonlyMap<string, string> | undefined>();
  for (const file of files) {
    const dir = path.dirname(file);
    if (!metadataByDir.has(dir)) metadataByDir.set(dir, constructPaths ?? readConstructMetadata(dir));
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf-8');
    } catch (e) {
      problems.push({ file, message: `can't read the file: ${(e as Error).message}` });
      continue;
    }
    const result = parseManifestText(text, file, metadataByDir.get(dir));
    documents.push(...result.documents);
    problems.push(...result.problems);
  }
  return { documents, problems };
}

/**
 * Every `.yaml`, `.yml` and `.json` file below `dir` (as `kubectl apply -R -f` reads them), in
 * path order, except cdk8s's `construct-metadata.json`.
 * @internal
 */
export function listManifestFiles(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) visit(p);
      } else if (MANIFEST_EXTENSIONS.includes(path.extname(entry.name).toLowerCase()) && entry.name !== CONSTRUCT_METADATA) {
        out.push(p);
      }
    }
  };
  visit(dir);
  return out;
}

/** Object name → construct path, from the `construct-metadata.json` cdk8s writes next to the manifests. */
function readConstructMetadata(dir: string): ReadonlyMap<string, string> | undefined {
  const file = path.join(dir, CONSTRUCT_METADATA);
  if (!fs.existsSync(file)) return undefined;
  try {
    return constructPathsFromMetadata(JSON.parse(fs.readFileSync(file, 'utf-8'))?.resources);
  } catch {
    return undefined; // construct paths are a convenience; the checks don't depend on them
  }
}

/** Object name → construct path from cdk8s's construct metadata (`{ <name>: { path } }`). @internal */
export function constructPathsFromMetadata(resources: unknown): ReadonlyMap<string, string> {
  const map = new Map<string, string>();
  if (resources && typeof resources === 'object') {
    for (const [name, value] of Object.entries(resources as Record<string, any>)) {
      if (typeof value?.path === 'string') map.set(name, value.path);
    }
  }
  return map;
}

/** Plain objects given in memory: no file, no lines. @internal */
export function inMemoryDocuments(documents: readonly ManifestDocument[]): LocatedDocument[] {
  return documents.map((d) => ({ ...d, lineOf: () => undefined }));
}

/**
 * The line of the value at `segments`: the line of its key inside a map, of the item inside a
 * list, or of the nearest ancestor that exists. With `inner`, the value at `segments` is a string
 * holding a serialized document (JSON or YAML) and `inner` points into that document; when the
 * string is a literal block (`|`), whose lines are the file's lines, the inner line is mapped
 * into the file.
 */
function locate(doc: Document, lineCounter: LineCounter, segments: readonly Segment[], inner?: readonly Segment[]): number | undefined {
  const found = walk(doc.contents, segments, (offset) => lineCounter.linePos(offset).line);
  if (!inner || inner.length === 0 || !found.complete) return found.line;
  const node = found.node;
  if (!isScalar(node) || node.type !== Scalar.BLOCK_LITERAL || typeof node.value !== 'string' || !node.range) return found.line;
  const header = lineCounter.linePos(node.range[0]).line;
  const innerCounter = new LineCounter();
  let innerDoc: Document;
  try {
    innerDoc = parseDocument(node.value, { lineCounter: innerCounter });
  } catch {
    return found.line;
  }
  const innerLine = walk(innerDoc.contents, inner, (offset) => innerCounter.linePos(offset).line).line;
  return innerLine === undefined ? found.line : header + innerLine;
}

function walk(root: unknown, segments: readonly Segment[], lineAt: (offset: number) => number): { line?: number; node: unknown; complete: boolean } {
  let node: any = root;
  let line = node?.range ? lineAt(node.range[0]) : undefined;
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(segment));
      if (!pair) return { line, node, complete: false };
      const keyRange = (pair.key as any)?.range;
      if (keyRange) line = lineAt(keyRange[0]);
      node = pair.value;
    } else if (isSeq(node)) {
      const item: any = node.items[Number(segment)];
      if (item === undefined) return { line, node, complete: false };
      if (item?.range) line = lineAt(item.range[0]);
      node = item;
    } else {
      return { line, node, complete: false };
    }
  }
  return { line, node, complete: true };
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}

/** Whether `value` (as YAML's toJS made it) holds itself somewhere: a node on its own path. @internal */
export function isCyclic(value: unknown, ancestors: Set<unknown> = new Set()): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (ancestors.has(value)) return true;
  ancestors.add(value);
  const children = value instanceof Map ? [...value.values()] : Object.values(value as object);
  const cyclic = children.some((child) => isCyclic(child, ancestors));
  ancestors.delete(value);
  return cyclic;
}
