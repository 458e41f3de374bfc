// Zod probes `new Function` to decide on its JIT parser; under this page's CSP (no
// 'unsafe-eval') the probe logs a violation. The renderer never needs the JIT: turn it off
// before any schema is built (this module is imported first).
import { z } from "zod";

z.config({ jitless: true });
