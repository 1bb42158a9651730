/**
 * The dashboard's routes on the ops server: the page (static/dashboard/, shipped with the package), uPlot from its
 * own package (no CDN: the page works on a machine without internet access) and `data.json`. All GET, all read-only.
 *
 * The files are read once when the server starts, so a package missing one fails at start with the path, not at the
 * first visit. static/ sits three levels above this module both in src/ops/dashboard/ and in dist/ops/dashboard/.
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { KeeperError } from "../../errors.js";
import { dashboardData, type DashboardSources } from "./data.js";

/** A GET route, shaped as the ops server's route table wants it. */
export interface DashboardRoute {
  method: "GET";
  run: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

/** A file of the dashboard could not be found or read. */
export class DashboardAssetError extends KeeperError {
  override name = "DashboardAssetError";
}

/** Where the page lives: the package's static/dashboard/ folder. */
const STATIC_DIR = new URL("../../../static/dashboard/", import.meta.url);

/** The page only loads what it is served: its own files and the data, nothing from elsewhere. */
const PAGE_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** The routes under /dashboard for an ops server. */
export function dashboardRoutes(sources: DashboardSources): Record<string, DashboardRoute> {
  const require = createRequire(import.meta.url);
  const uplot = (file: string): string => {
    try {
      return require.resolve(`uplot/dist/${file}`);
    } catch (err) {
      throw new DashboardAssetError(`The dashboard needs uplot/dist/${file}, which is not installed.`, {
        cause: err,
        metaMessages: ["Reinstall the keeper's dependencies (`npm install`): uplot is one of them."],
      });
    }
  };
  const page = (file: string): string => fileURLToPath(new URL(file, STATIC_DIR));
  const files: Record<string, { path: string; type: string }> = {
    "/dashboard/": { path: page("index.html"), type: "text/html; charset=utf-8" },
    "/dashboard/app.js": { path: page("app.js"), type: "text/javascript; charset=utf-8" },
    "/dashboard/app.css": { path: page("app.css"), type: "text/css; charset=utf-8" },
    "/dashboard/uplot.js": { path: uplot("uPlot.iife.min.js"), type: "text/javascript; charset=utf-8" },
    "/dashboard/uplot.css": { path: uplot("uPlot.min.css"), type: "text/css; charset=utf-8" },
  };
  const routes: Record<string, DashboardRoute> = {
    // Relative links in the page need the trailing slash; a relative Location keeps a proxy's path prefix.
    "/dashboard": {
      method: "GET",
      run: async (_req, res) => {
        res.writeHead(308, { location: "dashboard/", "cache-control": "no-store" });
        res.end();
      },
    },
    "/dashboard/data.json": {
      method: "GET",
      run: async (_req, res) => {
        res.writeHead(200, {
          "content-type": "application/json; charset=utf-8",
          "cache-control": "no-store",
          ...PAGE_HEADERS,
        });
        res.end(JSON.stringify(dashboardData(sources)));
      },
    },
  };
  for (const [route, file] of Object.entries(files)) {
    const body = readAsset(file.path);
    routes[route] = {
      method: "GET",
      run: async (_req, res) => {
        res.writeHead(200, {
          "content-type": file.type,
          "content-length": body.length,
          "cache-control": "no-cache",
          ...PAGE_HEADERS,
        });
        res.end(body);
      },
    };
  }
  return routes;
}

function readAsset(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new DashboardAssetError(`The dashboard file ${path} cannot be read.`, {
      cause: err,
      metaMessages: ["The package is incomplete: reinstall it (its static/ folder holds the dashboard)."],
    });
  }
}
