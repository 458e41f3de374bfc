// One lint setup for every layer: typescript-eslint's recommended rules, and the layer rules of
// docs/architecture.md ("Layers, and how lint holds them"): which folder may import which, and no
// import cycles.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import importX, { createNodeResolver } from "eslint-plugin-import-x";
import { builtinModules } from "node:module";

/**
 * The folders of app/, lowest first, and the app folders each may NOT import: an arrow only
 * points down. Tests and their fixtures (app/testing) are not a layer: they may import anything.
 */
const FORBIDDEN = {
  // pure code every runtime loads (the UI, the shell, the core): imports no other app folder
  common: [
    "labels",
    "store",
    "images",
    "ml",
    "loop",
    "exchange",
    "jobs",
    "ops",
    "api",
    "cli",
    "server",
    "testing",
  ],
  // masks, strokes, RLE, rasterization: pure, imports no other app folder but common
  labels: ["store", "images", "ml", "loop", "exchange", "jobs", "ops", "api", "cli", "server", "testing"],
  // the project file and all of its SQL
  store: ["images", "ml", "loop", "exchange", "jobs", "ops", "api", "cli", "server", "testing"],
  images: ["ml", "loop", "exchange", "jobs", "ops", "api", "cli", "server", "testing"],
  // the engine (ml/engine, model, method, training, prediction): never the project file or the loop
  ml: ["loop", "exchange", "jobs", "ops", "api", "cli", "server", "testing"],
  loop: ["exchange", "jobs", "ops", "api", "cli", "server", "testing"],
  exchange: ["jobs", "ops", "api", "cli", "server", "testing"],
  // a project's training and prediction, their workers, recovery: ml on the project file
  jobs: ["ops", "api", "cli", "server", "testing"],
  // the flows both doors run
  ops: ["api", "cli", "server", "testing"],
  // the service (the contract and its handlers)
  api: ["cli", "server", "testing"],
  server: ["cli", "testing"],
  cli: ["testing"],
};

/** Arrows that still point the wrong way, listed by the file they start from, with why (none now). */
const EXCEPTIONS = {};

/** The store modules ml may use: pure helpers and blob formats, no connection (errors, embedding blobs). */
const ML_STORE_LEAVES = ["errors.ts", "embedding-blobs.ts"];

function layerZones(layer, forbidden) {
  return forbidden.map((other) => ({
    target: `./app/${layer}`,
    from: `./app/${other}`,
    message: `app/${layer} may not import app/${other}: an import only points to a lower layer (docs/architecture.md)`,
  }));
}

const layerConfigs = Object.entries(FORBIDDEN).map(([layer, forbidden]) => {
  const exception = EXCEPTIONS[layer];
  const zones = layerZones(layer, forbidden);
  if (layer === "ml")
    zones.push({
      target: "./app/ml",
      from: "./app/store",
      except: ML_STORE_LEAVES.map((f) => `./${f}`),
      message: "app/ml may not use the project file (app/store): the project jobs above it do",
    });
  return {
    files: [`app/${layer}/**/*.ts`],
    ignores: ["**/*.test.ts", "**/testing/**", ...(exception?.files ?? [])],
    rules: { "import-x/no-restricted-paths": ["error", { zones }] },
  };
});

const exceptionConfigs = Object.entries(EXCEPTIONS).map(([layer, exception]) => ({
  files: exception.files,
  rules: {
    "import-x/no-restricted-paths": [
      "error",
      {
        zones: layerZones(
          layer,
          FORBIDDEN[layer].filter((f) => !exception.may.includes(f)),
        ),
      },
    ],
  },
}));
import reactHooks from "eslint-plugin-react-hooks";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "out/", ".tools/", "test-results/", "artifacts/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: "readonly", console: "readonly", Buffer: "readonly", URL: "readonly" },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // The rules of hooks, and effects that name what they read (the UI only).
    files: ["renderer/**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
    },
  },
  {
    // The core never reaches into the Electron shell or the UI: it runs on plain Node.
    files: ["app/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            "electron",
            "react",
            "react-dom",
            "konva",
            "react-konva",
            "**/main/**",
            "**/renderer/**",
          ],
        },
      ],
    },
  },
  {
    // Import cycles anywhere in the code (a cycle makes the order modules load in matter).
    files: ["app/**/*.ts", "main/**/*.ts", "renderer/**/*.ts", "renderer/**/*.tsx", "scripts/**/*.ts"],
    plugins: { "import-x": importX },
    settings: {
      "import-x/extensions": [".ts", ".tsx", ".js", ".mjs"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts", ".tsx"] },
      "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".tsx", ".js", ".mjs"] })],
    },
    rules: { "import-x/no-cycle": ["error", { ignoreExternal: true }] },
  },
  {
    // app/common runs in the UI too: no Node module (nor Electron, React: the rule for app/ above).
    files: ["app/common/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: builtinModules.map((name) => ({
            name,
            message: "app/common runs in every runtime, the UI too: no Node module (docs/architecture.md)",
          })),
          patterns: [
            {
              group: [
                "node:*",
                "electron",
                "react",
                "react-dom",
                "konva",
                "react-konva",
                "**/main/**",
                "**/renderer/**",
              ],
              message: "app/common runs in every runtime, the UI too: no Node module (docs/architecture.md)",
            },
          ],
        },
      ],
    },
  },
  {
    // The UI and the preload take code from app/common only; types (erased) from anywhere in app/.
    files: ["renderer/**/*.ts", "renderer/**/*.tsx", "main/preload.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/app/**", "!**/app/common", "!**/app/common/**"],
              allowTypeImports: true,
              message:
                "the UI and the preload import code from app/common only (types may come from app/api/schema.ts): docs/architecture.md",
            },
          ],
        },
      ],
    },
  },
  ...layerConfigs,
  ...exceptionConfigs,
);
