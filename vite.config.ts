// Builds the renderer (renderer/) into dist/renderer, served by `pixelloop serve`.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  root: "renderer",
  base: "./",
  plugins: [react()],
  build: {
    outDir: "../dist/renderer",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    // `vite --config vite.config.ts` for UI work: the API comes from a running `pixelloop serve`.
    proxy: {
      "/api": "http://127.0.0.1:4780",
      "/files": "http://127.0.0.1:4780",
      "/events": { target: "ws://127.0.0.1:4780", ws: true },
    },
  },
});
