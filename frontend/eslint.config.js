// Lint of the dashboard's sources: ESLint's and typescript-eslint's recommended rules (run by `make check`).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "src/api/schema.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // a leading underscore marks a binding left unused on purpose (a destructured field dropped from a copy)
  { rules: { "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_",
    destructuredArrayIgnorePattern: "^_" }] } },
);
