// Builds the renderer (renderer/) into dist/renderer, served by `pixelloop serve`.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const auth: Record<string, string> = process.env.PIXELLOOP_TOKEN
  ? { authorization: `Bearer ${process.env.PIXELLOOP_TOKEN}` }
  : {};

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
    // `PIXELLOOP_TOKEN=<printed token> vite --config vite.config.ts` for UI work: the API comes
    // from a running `pixelloop serve`, which needs its token (sent here as a Bearer header).
    proxy: {
      "/api": { target: "http://127.0.0.1:4780", headers: auth },
      "/files": { target: "http://127.0.0.1:4780", headers: auth },
      "/events": { target: "ws://127.0.0.1:4780", ws: true, headers: auth },
    },
  },
});
