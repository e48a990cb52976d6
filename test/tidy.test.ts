// Enforces the house style as a test (after TigerBeetle's tidy.zig): it parses the sources with the
// TypeScript compiler and fails, listing file:line, on wall-clock time, real timers, Math.random, async code
// and network or disk imports in the pure layers, on files over 400 lines and functions over 70 anywhere in
// src/, and on test files that do not open with a comment.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// This file runs from dist/test/, two levels below the repository root.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Layers that must stay deterministic state machines driven through Env (DESIGN.md §1, STYLE.md). */
const PURE_DIRS = ['src/protocols', 'src/smr', 'src/membership'];

const FILE_LINES_MAX = 400;
const FUNCTION_LINES_MAX = 70;

/**
 * Files allowed past FILE_LINES_MAX, each with the reason (repository-relative path → reason).
 * An entry that no longer needs its exception fails the test, so the list cannot rot.
 */
const FILE_LINES_ALLOWED: Readonly<Record<string, string>> = {};

/** Functions allowed past FUNCTION_LINES_MAX, keyed `path:name`, each with the reason. */
const FUNCTION_LINES_ALLOWED: Readonly<Record<string, string>> = {};

/** Node modules a pure layer must not import: network, disk, processes, real timers and clocks. */
const FORBIDDEN_MODULES = new Set([
  'net',
  'fs',
  'dgram',
  'child_process',
  'http',
  'https',
  'http2',
  'tls',
  'timers',
  'perf_hooks',
]);

/** Property reads that reach the wall clock or an unseeded random source. */
const FORBIDDEN_PROPERTIES: Readonly<Record<string, string>> = {
  'Date.now': 'time comes from env.now()',
  'performance.now': 'time comes from env.now()',
  'process.hrtime': 'time comes from env.now()',
  'Math.random': 'randomness comes from env.random()',
};

/** Calls to real timers, bare or through the global object. */
const FORBIDDEN_CALLS = new Set(['setTimeout', 'setInterval', 'setImmediate']);
const GLOBAL_OBJECTS = new Set(['globalThis', 'global', 'window']);

interface Violation {
  readonly path: string;
  readonly line: number;
  readonly what: string;
}

function format(v: Violation): string {
  return `  ${v.path}:${v.line}: ${v.what}`;
}

/** Every .ts file under a repository-relative directory; none if it does not exist yet. */
function tsFiles(dir: string): string[] {
  const abs = join(ROOT, dir);
  if (!existsSync(abs)) return [];
  const out: string[] = [];
  for (const name of readdirSync(abs).sort()) {
    const path = `${dir}/${name}`;
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function parse(path: string, text: string): ts.SourceFile {
  return ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

function lineOf(file: ts.SourceFile, pos: number): number {
  return file.getLineAndCharacterOfPosition(pos).line + 1;
}

function moduleSpecifierOf(node: ts.Node): ts.Expression | undefined {
  if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return node.moduleSpecifier;
  if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
    return node.moduleReference.expression;
  }
  if (ts.isCallExpression(node)) {
    const callee = node.expression;
    const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
    const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
    if (isImport || isRequire) return node.arguments[0];
  }
  return undefined;
}

/** Why importing `specifier` from `path` breaks purity, or undefined if it does not. */
function importProblem(path: string, specifier: string): string | undefined {
  const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
  if (FORBIDDEN_MODULES.has(bare.split('/')[0] as string)) return `imports ${specifier}`;
  if (specifier.startsWith('.')) {
    const target = relative(join(ROOT, 'src/net'), resolve(ROOT, dirname(path), specifier));
    if (!target.startsWith('..') && !target.startsWith(sep))
      return `imports the network layer (${specifier})`;
  }
  return undefined;
}

function dottedName(node: ts.PropertyAccessExpression): string | undefined {
  return ts.isIdentifier(node.expression) ? `${node.expression.text}.${node.name.text}` : undefined;
}

function calledTimer(node: ts.CallExpression): string | undefined {
  const callee = node.expression;
  if (ts.isIdentifier(callee) && FORBIDDEN_CALLS.has(callee.text)) return callee.text;
  if (ts.isPropertyAccessExpression(callee) && FORBIDDEN_CALLS.has(callee.name.text)) {
    if (ts.isIdentifier(callee.expression) && GLOBAL_OBJECTS.has(callee.expression.text))
      return callee.name.text;
  }
  return undefined;
}

/** What a single node does that a pure layer must not, if anything. */
function purityProblem(path: string, node: ts.Node): string | undefined {
  const specifier = moduleSpecifierOf(node);
  if (specifier !== undefined && ts.isStringLiteralLike(specifier))
    return importProblem(path, specifier.text);
  if (ts.isPropertyAccessExpression(node)) {
    const name = dottedName(node);
    if (name !== undefined && name in FORBIDDEN_PROPERTIES) return `${name} (${FORBIDDEN_PROPERTIES[name]})`;
  }
  if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Date') {
    return 'new Date (time comes from env.now())';
  }
  if (ts.isCallExpression(node)) {
    const timer = calledTimer(node);
    if (timer !== undefined) return `${timer}( (timers go through env.setTimer())`;
  }
  if (
    ts.canHaveModifiers(node) &&
    ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)
  ) {
    return 'async (handlers are synchronous)';
  }
  if (ts.isAwaitExpression(node) || (ts.isForOfStatement(node) && node.awaitModifier !== undefined)) {
    return 'await (handlers are synchronous)';
  }
  return undefined;
}

/** Impurities in one file of a pure layer. Comments and strings are not code, so they never match. */
function purityViolations(path: string, text: string): Violation[] {
  const file = parse(path, text);
  const out: Violation[] = [];
  const visit = (node: ts.Node): void => {
    const what = purityProblem(path, node);
    if (what !== undefined) out.push({ path, line: lineOf(file, node.getStart(file)), what });
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

function functionName(node: ts.FunctionLikeDeclaration): string {
  const named = node.name !== undefined && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name));
  let name = named ? (node.name as ts.Identifier).text : undefined;
  if (ts.isConstructorDeclaration(node)) name = 'constructor';
  const parent = node.parent;
  if (name === undefined && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent))) {
    name = ts.isIdentifier(parent.name) ? parent.name.text : undefined;
  }
  const owner = ts.isClassLike(parent) && parent.name !== undefined ? `${parent.name.text}.` : '';
  return `${owner}${name ?? '<anonymous>'}`;
}

/** Functions longer than the bound, keyed `path:name`, with their first line and length. */
function longFunctions(path: string, text: string, maxLines = FUNCTION_LINES_MAX): Map<string, Violation> {
  const file = parse(path, text);
  const out = new Map<string, Violation>();
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const fn = node as ts.FunctionLikeDeclaration;
      const first = lineOf(file, fn.getStart(file));
      const lines = lineOf(file, fn.end) - first + 1;
      if (lines > maxLines) {
        const name = functionName(fn);
        out.set(`${path}:${name}`, {
          path,
          line: first,
          what: `function ${name} is ${lines} lines (max ${maxLines})`,
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

function lineCount(text: string): number {
  if (text.length === 0) return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

function opensWithComment(text: string): boolean {
  const start = text.trimStart();
  return start.startsWith('//') || start.startsWith('/*');
}

function read(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

function fail(title: string, violations: readonly string[]): void {
  assert.equal(violations.length, 0, `${title}:\n${violations.join('\n')}`);
}

describe('tidy', () => {
  it('pure layers use no clock, timer, random source, async code, network or disk', () => {
    const found = PURE_DIRS.flatMap(tsFiles).flatMap((path) => purityViolations(path, read(path)));
    fail(`${found.length} impurities in ${PURE_DIRS.join(', ')} (go through Env instead)`, found.map(format));
  });

  it(`files in src/ are at most ${FILE_LINES_MAX} lines`, () => {
    const problems: string[] = [];
    for (const path of tsFiles('src')) {
      const lines = lineCount(read(path));
      if (lines > FILE_LINES_MAX && !(path in FILE_LINES_ALLOWED)) {
        problems.push(
          `  ${path}: ${lines} lines (max ${FILE_LINES_MAX}; split it, or add it to FILE_LINES_ALLOWED with a reason)`,
        );
      }
      if (lines <= FILE_LINES_MAX && path in FILE_LINES_ALLOWED) {
        problems.push(`  ${path}: ${lines} lines, no longer needs its FILE_LINES_ALLOWED entry`);
      }
    }
    for (const path of Object.keys(FILE_LINES_ALLOWED)) {
      if (!existsSync(join(ROOT, path))) problems.push(`  ${path}: in FILE_LINES_ALLOWED but does not exist`);
    }
    fail('files too long', problems);
  });

  it(`functions in src/ are at most ${FUNCTION_LINES_MAX} lines`, () => {
    const long = new Map<string, Violation>();
    for (const path of tsFiles('src')) for (const [k, v] of longFunctions(path, read(path))) long.set(k, v);
    const problems: string[] = [];
    for (const [key, v] of long) {
      if (!(key in FUNCTION_LINES_ALLOWED))
        problems.push(`${format(v)} (split it, or allow ${key} with a reason)`);
    }
    for (const key of Object.keys(FUNCTION_LINES_ALLOWED)) {
      if (!long.has(key)) problems.push(`  ${key}: no longer needs its FUNCTION_LINES_ALLOWED entry`);
    }
    fail('functions too long', problems);
  });

  it('every test file opens with a comment saying what it proves and how', () => {
    const missing = tsFiles('test').filter((path) => !opensWithComment(read(path)));
    fail(
      'test files without an opening comment',
      missing.map((p) => `  ${p}:1: no opening comment`),
    );
  });
});

describe('tidy checks themselves', () => {
  const where = 'src/protocols/demo/replica.ts';

  it('flag each forbidden thing in code, with its line', () => {
    const code = [
      "import { connect } from 'node:net';",
      "import * as fs from 'fs/promises';",
      "import type { Transport } from '../../net/transport.js';",
      "export { tcp } from '../../net/tcp/index.js';",
      'const t = Date.now();',
      'const d = new Date();',
      'setTimeout(() => {}, 5);',
      'globalThis.setInterval(() => {}, 5);',
      'setImmediate(() => {});',
      'const r = Math.random();',
      'const p = performance.now();',
      'const h = process.hrtime.bigint();',
      'async function f(): Promise<void> { await g(); }',
      'const m = async () => 1;',
      "const c = require('child_process');",
      "const x = import('node:dgram');",
    ].join('\n');
    const lines = purityViolations(where, code).map((v) => v.line);
    assert.deepEqual(lines, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 13, 14, 15, 16]);
  });

  it('ignore comments, strings, lookalike names and imports that stay inside the layer', () => {
    const code = [
      '// Date.now() and setTimeout( are fine in a comment, as is await fetch.',
      '/* Math.random() in a block comment; async thinking. */',
      "const s = 'Date.now() in a string, new Date(), import from node:net';",
      'const t = `performance.now() in a template`;',
      'env.setTimer(100, { kind: "viewChange", view });',
      'env.now(); env.random().int(3); clock.setTimeout(1);',
      "import { quorum } from '../../core/quorum.js';",
      "import { encode } from '../../codec/index.js';",
      "import { netSplit } from './net-split.js';",
      'const asyncCount = 1; const awaiting = 2;',
    ].join('\n');
    assert.deepEqual(purityViolations(where, code), []);
  });

  it('measure function length from the first line of the function to its closing brace', () => {
    const body = (n: number): string => Array.from({ length: n }, (_, i) => `  x += ${i};`).join('\n');
    const code = [
      `function short() {\n${body(68)}\n}`,
      `function long() {\n${body(69)}\n}`,
      `class K {\n  method() {\n${body(80)}\n  }\n}`,
      `const arrow = () => {\n${body(75)}\n};`,
    ].join('\n');
    assert.deepEqual(
      [...longFunctions('src/x.ts', code).keys()],
      ['src/x.ts:long', 'src/x.ts:K.method', 'src/x.ts:arrow'],
    );
  });

  it('recognise an opening comment', () => {
    assert.ok(opensWithComment('// what and how\nimport x;'));
    assert.ok(opensWithComment('\n/** what and how */\n'));
    assert.ok(!opensWithComment("import x from 'y';\n// late"));
  });
});
