/**
 * Entry of the core's process in the desktop app: an Electron utility process (process.parentPort)
 * started by main/main.ts; under plain Node a worker thread (worker_threads' parentPort), as the
 * tests run it. See service-host.ts.
 */
import { hostPort } from "../jobs/host-port.ts";
import { serveOnPort } from "./service-host.ts";
import type { FromHost, ToHost } from "./host-protocol.ts";

void serveOnPort(hostPort<FromHost, ToHost>("service-host-main"));
