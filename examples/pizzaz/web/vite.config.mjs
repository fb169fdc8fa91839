// Shared Vite settings for every widget; build.mjs adds the per-widget entry.
import { fileURLToPath } from "node:url";

export default {
  resolve: {
    // Widgets import the runtime as "fastapps"; it lives in the CLI crate so new projects get
    // the same files.
    alias: [{ find: /^fastapps$/, replacement: fileURLToPath(new URL("../../../fastapps-cli/runtime/index.ts", import.meta.url)) }],
    // The runtime sits outside this folder: resolve its `react` import from here, so there is
    // one copy of React in each bundle.
    dedupe: ["react", "react-dom"],
  },
  // esbuild compiles the JSX; production builds need no Babel plugin.
  esbuild: { jsx: "automatic", legalComments: "none" },
  build: {
    target: "es2022",
    minify: "esbuild",
    cssCodeSplit: false,
    modulePreload: false,
    copyPublicDir: false,
    // Everything goes inline into one HTML file: no separate asset files.
    assetsInlineLimit: Number.MAX_SAFE_INTEGER,
    reportCompressedSize: false,
    rollupOptions: { output: { format: "es", inlineDynamicImports: true } },
  },
};
