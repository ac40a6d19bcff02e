import { defineConfig } from "vitest/config";

// The build lands in the Python package's static folder; the backend serves it at `/`.
export default defineConfig({
  base: "./",
  build: {
    outDir: "../backend/topoalign/static",
    emptyOutDir: true,
    target: "es2020",
    chunkSizeWarningLimit: 900,
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8000" },
  },
  test: {
    environment: "jsdom",
    include: ["test/**/*.test.ts"],
  },
});
