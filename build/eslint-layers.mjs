// Lint rules generated from build/architecture.mjs (issue 12 §5):
//  - `layers/import-patterns`, a local rule in the manner of VS Code's `code-import-patterns`:
//    every relative import, re-export, dynamic import, `import("...")` type and require() is
//    resolved to the file it names, and the arrow from the importing file's layer to that file's
//    layer must be allowed by the architecture file (mayImport, typesFrom, files, entry).
//  - `no-restricted-imports` per runtime: Node built-ins are refused in "pure" and "browser"
//    layers, and `electron` as well in "pure" ones (STYLE.md 7).
// Resolving the path (rather than matching the import text) keeps `../evaluation/x` from
// services/ (services/evaluation) apart from the evaluation layer.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { LAYERS, NODE_BUILTINS } from "./architecture.mjs";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".mjs", ".cjs", ".js", ".json", ".d.ts"];

/** Repository-relative path with forward slashes. */
function repoPath(abs) {
  return path.relative(REPO, abs).split(path.sep).join("/");
}

/** The layer owning a repository-relative path: the longest folder that contains it. */
export function layerOf(rel) {
  let best = null;
  let bestLength = -1;
  for (const layer of LAYERS) {
    for (const folder of layer.folders) {
      if ((rel === folder || rel.startsWith(folder + "/")) && folder.length > bestLength) {
        best = layer;
        bestLength = folder.length;
      }
    }
  }
  return best;
}

/**
 * The file an import names, repository-relative and without its extension, as TypeScript
 * resolves it: `../registry` -> electron/registry/index, `./geometry` -> electron/dicom/geometry.
 * (A layer folder's root means its index file; nothing on disk is read.)
 */
export function stem(rel) {
  const ext = EXTENSIONS.find((e) => rel.endsWith(e));
  const bare = ext === undefined ? rel : rel.slice(0, -ext.length);
  return LAYERS.some((l) => l.folders.includes(bare)) ? `${bare}/index` : bare;
}

function targetPath(fromFile, spec) {
  return stem(repoPath(path.resolve(path.dirname(fromFile), spec)));
}

/**
 * Why the arrow `from -> to` is refused, or null when it is allowed. `from` is a repository-relative
 * file, `to` the stem() of the file it imports.
 * `typeOnly`: the import names types only (erased from the JavaScript).
 */
export function refusal(from, to, typeOnly) {
  const a = layerOf(from);
  const b = layerOf(to);
  if (a === null || b === null) return null;
  if (a === b) return null;
  const allowedLayer =
    a.mayImport === "*" ||
    a.mayImport.includes(b.name) ||
    (typeOnly && (a.typesFrom ?? []).includes(b.name));
  const allowedFile = (a.files ?? []).some((f) => stem(f.path) === to);
  if (!allowedLayer && !allowedFile) {
    const types = (a.typesFrom ?? []).includes(b.name) ? " (only `import type` is allowed)" : "";
    return `layer "${a.name}" may not import layer "${b.name}"${types}: ${from} -> ${to} (build/architecture.mjs)`;
  }
  if (a.mayImport !== "*" && b.entry !== undefined && to !== stem(b.entry) && !allowedFile) {
    return `layer "${a.name}" imports layer "${b.name}" only through ${b.entry}: ${from} -> ${to} (build/architecture.mjs)`;
  }
  return null;
}

const importPatterns = {
  meta: {
    type: "problem",
    docs: { description: "Imports follow the layers of build/architecture.mjs" },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const from = repoPath(file);
    if (layerOf(from) === null) return {};
    const check = (node, spec, typeOnly) => {
      if (typeof spec !== "string" || !spec.startsWith(".")) return;
      const message = refusal(from, targetPath(file, spec), typeOnly);
      if (message !== null) context.report({ node, message });
    };
    return {
      ImportDeclaration(node) {
        const typeOnly =
          node.importKind === "type" ||
          (node.specifiers.length > 0 &&
            node.specifiers.every((s) => s.type === "ImportSpecifier" && s.importKind === "type"));
        check(node.source, node.source.value, typeOnly);
      },
      ExportNamedDeclaration(node) {
        if (node.source) check(node.source, node.source.value, node.exportKind === "type");
      },
      ExportAllDeclaration(node) {
        check(node.source, node.source.value, node.exportKind === "type");
      },
      ImportExpression(node) {
        if (node.source.type === "Literal") check(node.source, node.source.value, false);
      },
      TSImportType(node) {
        const arg = node.argument;
        const literal = arg && arg.type === "TSLiteralType" ? arg.literal : arg;
        if (literal && literal.type === "Literal") check(literal, literal.value, true);
      },
      TSExternalModuleReference(node) {
        if (node.expression.type === "Literal")
          check(node.expression, node.expression.value, false);
      },
      CallExpression(node) {
        if (
          node.callee.type === "Identifier" &&
          node.callee.name === "require" &&
          node.arguments.length === 1 &&
          node.arguments[0].type === "Literal"
        ) {
          check(node.arguments[0], node.arguments[0].value, false);
        }
      },
    };
  },
};

export const layersPlugin = { rules: { "import-patterns": importPatterns } };

const SOURCE_FILES = ["ts", "tsx", "mts", "cts", "mjs", "cjs", "js"];

/** Flat-config entries: the layer rule everywhere, and the runtime restrictions per layer. */
export function layerConfigs() {
  const configs = [
    {
      files: [`**/*.{${SOURCE_FILES.join(",")}}`],
      plugins: { layers: layersPlugin },
      rules: { "layers/import-patterns": "error" },
    },
  ];
  for (const layer of LAYERS) {
    if (layer.runtime !== "pure" && layer.runtime !== "browser") continue;
    const message = `layer "${layer.name}" is ${layer.runtime} (build/architecture.mjs, STYLE.md 7)`;
    const names = [...NODE_BUILTINS, ...(layer.runtime === "pure" ? ["electron"] : [])];
    configs.push({
      // TypeScript only: the layer's own runtime (renderer/vite.config.mjs is a Node build file).
      files: layer.folders.map((f) => `${f}/**/*.{ts,tsx}`),
      rules: {
        "no-restricted-imports": [
          "error",
          {
            // Exact names (a relative ./path or ./events of the project stays allowed).
            paths: names.map((name) => ({ name, message })),
            patterns: [{ group: ["node:*"], message }],
          },
        ],
      },
    });
  }
  return configs;
}
