// Sign-in: when the server has a token (TOPOALIGN_TOKEN), the dashboard asks for it once per browser session.
// It also accepts `#token=...` in the URL fragment (read, then removed from the address bar), keeps the token in
// sessionStorage, and sends it on every request (fetch, uploads, the jobs' event streams). A 401 anywhere brings the
// dialog back, with the server's words.
import { api, ApiError, configureApi } from "../api";
import { h } from "../dom";

const KEY = "topoalign.token";

/** The token a URL fragment carries (`#token=x` or `#/view?...&token=x`), and the fragment without it. */
export function takeTokenFromHash(hash: string): { token: string | null; hash: string } {
  const raw = hash.replace(/^#/, "");
  const [path, query = ""] = raw.includes("?") ? raw.split("?", 2) : raw.startsWith("token=") ? ["", raw] : [raw, ""];
  const q = new URLSearchParams(query);
  const token = q.get("token");
  if (token === null) return { token: null, hash };
  q.delete("token");
  const rest = q.toString();
  return { token, hash: path || rest ? `#${path}${rest ? `?${rest}` : ""}` : "" };
}

/** Read a token from the fragment or the session, wire 401s to the dialog, and ask for a token up front when the
 *  server says it needs one. Resolves once requests can go through. */
export async function setupAuth(onSignedIn: () => void): Promise<void> {
  const { token: fromHash, hash } = takeTokenFromHash(location.hash);
  if (fromHash !== null) {
    history.replaceState(null, "", `${location.pathname}${location.search}${hash}`);
    sessionStorage.setItem(KEY, fromHash);
  }
  const saved = sessionStorage.getItem(KEY);
  configureApi({ token: saved, onUnauthorized: (detail) => void ask(detail, onSignedIn) });
  let needed = false;
  try {
    needed = (await api.health()).auth_required === true;
  } catch { /* the views show the server's error */ }
  if (needed && !saved) await ask(null, onSignedIn);
}

let open: Promise<void> | null = null;

function ask(detail: string | null, onSignedIn: () => void): Promise<void> {
  if (open) return open;
  open = new Promise<void>((resolve) => {
    const input = h("input", { type: "password", id: "signin-token", placeholder: "token", autocomplete: "current-password" });
    const error = h("div", { class: "signin-error", id: "signin-error", role: "alert" },
      detail && sessionStorage.getItem(KEY) ? "The server refused the saved token; enter it again." : "");
    const go = h("button", { class: "primary", id: "signin-go", type: "submit" }, "Sign in");
    const form = h("form", { class: "signin-card" },
      h("h2", {}, "Sign in"),
      h("p", { class: "muted" }, "This TopoAlign server needs its access token (TOPOALIGN_TOKEN). It is kept for this " +
        "browser session only."), input, error, go);
    const overlay = h("div", { class: "signin", id: "signin" }, form);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const value = (input as HTMLInputElement).value.trim();
      if (!value) { error.textContent = "Enter the token."; return; }
      go.setAttribute("disabled", "");
      configureApi({ token: value });
      try {
        await api.collections();
        sessionStorage.setItem(KEY, value);
        overlay.remove();
        open = null;
        resolve();
        onSignedIn();
      } catch (err) {
        error.textContent = err instanceof ApiError && err.status === 401 ? "The server refused this token." :
          `Could not reach the server: ${err instanceof Error ? err.message : String(err)}`;
        go.removeAttribute("disabled");
      }
    });
    document.body.append(overlay);
    (input as HTMLInputElement).focus();
  });
  return open;
}
