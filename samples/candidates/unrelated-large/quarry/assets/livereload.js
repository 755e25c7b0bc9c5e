/*
 * quarry live-reload client.
 *
 * Injected into every HTML page by `quarry serve`. Listens on a Server-Sent
 * Events stream and reacts to three message types:
 *
 *   reload  - a page or template changed: reload, keeping the scroll position
 *   css     - only stylesheets changed: swap <link> tags without a reload
 *   error   - the rebuild failed: show an overlay with the message
 *
 * When the dev server goes away (it was restarted), the client polls until it
 * is reachable again and then reloads the page.
 */
(function () {
  "use strict";

  var EVENTS_URL = "/__quarry/events";
  var SCROLL_KEY = "quarry:scroll:" + location.pathname;
  var OVERLAY_ID = "__quarry_overlay";
  var MAX_BACKOFF_MS = 8000;

  if (window.__quarryLiveReload) {
    return; // injected twice (e.g. an included HTML fragment); keep one client
  }
  window.__quarryLiveReload = true;

  function log() {
    var args = Array.prototype.slice.call(arguments);
    args.unshift("%c[quarry]", "color:#8a6d3b;font-weight:bold");
    console.log.apply(console, args);
  }

  // --- scroll restoration -------------------------------------------------

  function saveScroll() {
    try {
      sessionStorage.setItem(SCROLL_KEY, JSON.stringify([window.scrollX, window.scrollY]));
    } catch (e) {
      /* private mode or storage full: not worth failing over */
    }
  }

  function restoreScroll() {
    var raw;
    try {
      raw = sessionStorage.getItem(SCROLL_KEY);
      sessionStorage.removeItem(SCROLL_KEY);
    } catch (e) {
      return;
    }
    if (!raw) return;
    var pos = JSON.parse(raw);
    // Wait a frame so late layout (images with dimensions, fonts) settles.
    requestAnimationFrame(function () {
      window.scrollTo(pos[0], pos[1]);
    });
  }

  function reloadPage() {
    saveScroll();
    location.reload();
  }

  // --- stylesheet hot swap ------------------------------------------------

  function withCacheBuster(href) {
    var url = new URL(href, location.href);
    url.searchParams.set("_qr", Date.now().toString(36));
    return url.toString();
  }

  function isLocal(link) {
    try {
      return new URL(link.href, location.href).origin === location.origin;
    } catch (e) {
      return false;
    }
  }

  function swapStylesheets() {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    var pending = 0;
    Array.prototype.forEach.call(links, function (link) {
      if (!isLocal(link)) return;
      var clone = link.cloneNode();
      clone.href = withCacheBuster(link.href);
      pending += 1;
      // Keep the old sheet until the new one has loaded to avoid a flash of
      // unstyled content.
      clone.addEventListener("load", function () {
        if (link.parentNode) link.parentNode.removeChild(link);
        pending -= 1;
        if (pending === 0) log("stylesheets updated");
      });
      clone.addEventListener("error", function () {
        if (clone.parentNode) clone.parentNode.removeChild(clone);
        reloadPage();
      });
      link.parentNode.insertBefore(clone, link.nextSibling);
    });
    if (pending === 0) reloadPage();
  }

  // --- error overlay ------------------------------------------------------

  function hideOverlay() {
    var existing = document.getElementById(OVERLAY_ID);
    if (existing) existing.parentNode.removeChild(existing);
  }

  function showOverlay(message) {
    hideOverlay();
    var box = document.createElement("div");
    box.id = OVERLAY_ID;
    box.setAttribute("role", "alert");
    box.style.cssText = [
      "position:fixed", "inset:0", "z-index:2147483647", "overflow:auto",
      "background:rgba(24,24,27,.92)", "color:#fca5a5", "padding:2rem",
      "font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace",
    ].join(";");
    var title = document.createElement("strong");
    title.textContent = "quarry: build failed";
    title.style.cssText = "display:block;color:#fff;font-size:16px;margin-bottom:1rem";
    var pre = document.createElement("pre");
    pre.style.whiteSpace = "pre-wrap";
    pre.textContent = message; // textContent: never interpret as HTML
    var hint = document.createElement("p");
    hint.textContent = "Fix the problem and save; this page will update automatically. (Esc to dismiss)";
    hint.style.color = "#a1a1aa";
    box.appendChild(title);
    box.appendChild(pre);
    box.appendChild(hint);
    document.body.appendChild(box);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") hideOverlay();
  });

  // --- connection ---------------------------------------------------------

  var backoff = 500;
  var wasDisconnected = false;

  function waitForServer() {
    fetch(location.href, { method: "HEAD", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        log("server is back, reloading");
        reloadPage();
      })
      .catch(function () {
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        setTimeout(waitForServer, backoff);
      });
  }

  function parse(event) {
    try {
      return JSON.parse(event.data || "{}");
    } catch (e) {
      return {};
    }
  }

  function connect() {
    if (typeof EventSource === "undefined") {
      log("EventSource not supported; live reload disabled");
      return;
    }
    var source = new EventSource(EVENTS_URL);

    source.addEventListener("hello", function () {
      if (wasDisconnected) {
        reloadPage(); // we missed whatever happened while we were away
        return;
      }
      backoff = 500;
      log("live reload connected");
    });

    source.addEventListener("reload", function (event) {
      var data = parse(event);
      log("rebuilt", (data.changed || []).length, "file(s)");
      reloadPage();
    });

    source.addEventListener("css", function () {
      hideOverlay();
      swapStylesheets();
    });

    source.addEventListener("error", function (event) {
      // Both server-sent "error" messages and transport errors arrive here.
      if (event.data) {
        showOverlay(parse(event).message || "unknown error");
        return;
      }
      if (source.readyState === EventSource.CLOSED) {
        wasDisconnected = true;
        log("connection lost, waiting for the server");
        waitForServer();
      } else {
        wasDisconnected = true; // the browser is retrying by itself
      }
    });

    window.addEventListener("beforeunload", function () {
      source.close();
    });
  }

  restoreScroll();
  connect();
})();
