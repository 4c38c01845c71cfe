/* The book's own page script (Jupyter Book links every .js file in _static).
 *
 * 1. Sidebar buttons. The theme (pydata-sphinx-theme 0.17) opens a sidebar as a
 *    modal <dialog> on narrow screens and sphinx-book-theme collapses it on wide
 *    ones; _config.yml removes the hidden duplicate buttons that used to take
 *    their click handlers (pydata/pydata-sphinx-theme#2451). Here the buttons
 *    get a plain name and an aria-expanded state that follows the sidebar, and
 *    each sidebar dialog gets a visible Close button; a link chosen in a dialog
 *    closes it (Escape and a tap outside close it too, from the theme).
 * 2. Print. Closed <details> (answers, solutions) open before printing and close
 *    again after, for browsers without CSS ::details-content (see custom.css).
 */
(() => {
  "use strict";

  const SIDEBARS = [
    // From 960 px the theme shows the navigation in place (its CSS breakpoint);
    // there the button collapses it, as sphinx-book-theme does only from 992 px
    // (between the two it opened a modal copy of a sidebar already on screen).
    { toggle: ".primary-toggle", sidebar: "pst-primary-sidebar",
      dialog: "pst-primary-sidebar-modal", name: "Site navigation",
      close: "Close site navigation", inPlace: "(min-width: 960px)" },
    { toggle: ".secondary-toggle", sidebar: "pst-secondary-sidebar",
      dialog: "pst-secondary-sidebar-modal", name: "Contents of this page",
      close: "Close contents" },
  ];

  // Shown in place: rendered, not collapsed by sphinx-book-theme, not off-canvas.
  const shownInPlace = (sidebar) => {
    if (sidebar.classList.contains("pst-sidebar-hidden")) return false;
    const style = getComputedStyle(sidebar);
    return style.display !== "none" && style.visibility !== "hidden" &&
      sidebar.getBoundingClientRect().right > 0;
  };

  const closeButton = (label, dialog) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "labkit-sidebar-close";
    button.setAttribute("aria-label", label);
    const cross = document.createElement("span");
    cross.setAttribute("aria-hidden", "true");
    cross.textContent = "\u00d7";
    button.append(cross, document.createTextNode(" Close"));
    button.addEventListener("click", () => dialog.close());
    return button;
  };

  const setUpSidebar = ({ toggle, sidebar: sidebarId, dialog: dialogId, name, close,
                          inPlace }) => {
    const sidebar = document.getElementById(sidebarId);
    const dialog = document.getElementById(dialogId);
    const buttons = document.querySelectorAll(`button${toggle}`);
    if (!sidebar || !dialog || buttons.length === 0) return;

    buttons.forEach((button) => {
      button.setAttribute("aria-label", name);
      // The tooltip says the same; Bootstrap may already have moved the title
      // into data-bs-original-title (a title left beside it shows twice).
      if (button.hasAttribute("data-bs-original-title")) {
        button.setAttribute("data-bs-original-title", name);
      } else {
        button.setAttribute("title", name);
      }
      button.setAttribute("aria-controls", `${sidebarId} ${dialogId}`);
    });
    const update = () => {
      const expanded = String(dialog.open || shownInPlace(sidebar));
      buttons.forEach((button) => button.setAttribute("aria-expanded", expanded));
    };

    // The theme moves the sidebar's children into the dialog while it is open,
    // so the button travels with them and shows only inside the dialog (CSS).
    sidebar.prepend(closeButton(close, dialog));
    let opener = null;
    let closedByLink = false;
    dialog.addEventListener("click", (event) => {
      if (event.target.closest("a[href]")) {
        closedByLink = true;
        dialog.close();
      }
    });
    // sphinx-book-theme blurs the button on every click (to hide its tooltip), so
    // focus fell to <body>: keyboard users lost their place. Focus returns to the
    // button after a keyboard click that collapsed the sidebar in place, and after
    // the dialog closes (unless a link was chosen: then the reader moves on).
    // Listening on the document, in the capture phase, runs before the themes'
    // handlers on the button; where the sidebar shows in place this handler
    // collapses or restores it and the themes' handlers do not run.
    document.addEventListener("click", (event) => {
      const button = event.target.closest(`button${toggle}`);
      if (!button) return;
      opener = button;
      closedByLink = false;
      if (inPlace && window.matchMedia(inPlace).matches) {
        event.stopImmediatePropagation();
        sidebar.classList.toggle("pst-sidebar-hidden");
      }
      if (event.detail === 0) {
        setTimeout(() => {
          if (!dialog.open && document.activeElement === document.body) button.focus();
        });
      }
    }, true);
    dialog.addEventListener("close", () => {
      setTimeout(() => {
        if (opener && !closedByLink && !dialog.open) opener.focus();
      });
    });

    new MutationObserver(update).observe(dialog, { attributes: true, attributeFilter: ["open"] });
    new MutationObserver(update).observe(sidebar, { attributes: true, attributeFilter: ["class"] });
    sidebar.addEventListener("transitionend", update);
    window.addEventListener("resize", update);
    update();
  };

  const openDetailsForPrint = () => {
    document.querySelectorAll("details:not([open])").forEach((details) => {
      details.dataset.labkitPrintOpened = "";
      details.open = true;
    });
  };
  const closeDetailsAfterPrint = () => {
    document.querySelectorAll("details[data-labkit-print-opened]").forEach((details) => {
      delete details.dataset.labkitPrintOpened;
      details.open = false;
    });
  };

  const start = () => {
    SIDEBARS.forEach(setUpSidebar);
    window.addEventListener("beforeprint", openDetailsForPrint);
    window.addEventListener("afterprint", closeDetailsAfterPrint);
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
