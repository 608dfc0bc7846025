import tseslint from "typescript-eslint";
import { layerConfigs } from "./build/eslint-layers.mjs";
import { sqlConfigs } from "./build/eslint-sql.mjs";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "out/", "coverage/", "bin/"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "@typescript-eslint/consistent-type-imports": "error",
      eqeqeq: ["error", "always"],
    },
  },
  // Layers and runtimes (STYLE.md 7, issue 12 §5): generated from build/architecture.mjs.
  ...layerConfigs(),
  // SQL only in electron/registry and db/ (issue 12 §5): build/eslint-sql.mjs.
  ...sqlConfigs(),
);
