"""Labels, focus order and contrast on the main pages, checked in the rendered page: every
control has an accessible name, the keyboard moves through the login form in reading order,
and text stands out from its background (WCAG AA: 4.5:1, 3:1 for large text)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

# Controls a user can operate, and the ones among them without an accessible name.
UNNAMED_CONTROLS = """
() => [...document.querySelectorAll(
    'input:not([type=hidden]), select, textarea, button, a[href]')]
  .filter(el => el.getClientRects().length)  // rendered (closed <details> content included)
  .filter(el => {
    const text = (el.textContent || el.value || '').trim();
    const labelled = el.labels && [...el.labels].some(l => l.textContent.trim());
    const aria = (el.getAttribute('aria-label') || '').trim()
      || (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
           .some(id => (document.getElementById(id)?.textContent || '').trim());
    const named = labelled || aria || (el.getAttribute('title') || '').trim();
    if (el.matches('button, a[href], input[type=submit], input[type=button]')) {
      return !(named || text || el.querySelector('img[alt]:not([alt=""])'));
    }
    if (el.matches('input[type=radio], input[type=checkbox]')) return !named;
    return !named;
  })
  .map(el => el.outerHTML.slice(0, 160))
"""

# Text whose colour is too close to the background it is drawn on (the first opaque background
# up the tree; partly transparent ones are composited over white).
LOW_CONTRAST = """
() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = el => {
    let layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      const a = c.length > 3 ? c[3] : 1;
      if (a > 0) { layers.push([c.slice(0, 3), a]); if (a >= 1) break; }
    }
    let out = [255, 255, 255];
    for (const [c, a] of layers.reverse()) out = out.map((v, i) => v * (1 - a) + c[i] * a);
    return out;
  };
  const bad = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || seen.has(el) || !el.checkVisibility()) continue;
    if (el.closest('svg, .sr-only, [aria-hidden=true]')) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || Number(style.opacity) === 0) continue;
    if (el.closest('button:disabled, input:disabled, select:disabled')) continue;
    const fg = rgb(style.color); const bg = background(el);
    const [l1, l2] = [lum(fg.slice(0, 3)), lum(bg)].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(style.fontSize); const bold = Number(style.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    const text = n.textContent.trim().slice(0, 40);
    if (ratio < (large ? 3 : 4.5)) bad.push(`${ratio.toFixed(2)} ${el.tagName} "${text}"`);
  }
  return bad;
}
"""


def _main_pages(site):
    pk = site.business_of("asesora.lima")
    return ["/businesses/", f"/businesses/{pk}/", "/password/"]


def _check(page) -> None:
    assert page.evaluate(UNNAMED_CONTROLS) == [], page.url
    assert page.evaluate(LOW_CONTRAST) == [], page.url


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_main_pages_have_labels_and_enough_contrast(site, new_page, language):
    page = new_page(locale="es-PE" if language == "es" else "en-US")
    page.goto("/login/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    _check(page)
    login(page, "asesora.lima") if language == "es" else _login_en(page, "asesora.lima")
    for path in _main_pages(site):
        response = page.goto(path)
        assert response.status == 200, path
        _check(page)


def _login_en(page, username):
    from tests.browser.conftest import PASSWORD

    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def test_the_keyboard_moves_through_the_login_form_in_reading_order(site, page):
    page.goto("/login/")
    username = page.get_by_label("Usuario")
    expect(username).to_be_focused()  # autofocus: type straight away
    page.keyboard.type("asesora.lima")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Contraseña")).to_be_focused()
    page.keyboard.type("asesor-demo-2026")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Iniciar sesión")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login/" not in url)
    expect(page.get_by_role("heading", name="Mis empresas")).to_be_visible()


def test_the_search_box_is_reached_from_the_keyboard_before_the_results(site, page):
    login(page, "asesora.lima")
    page.goto("/businesses/")
    order = page.evaluate(
        """() => [...document.querySelectorAll(
              'main a[href], main input:not([type=hidden]), main select, main button')]
            .filter(el => el.getClientRects().length && el.tabIndex >= 0)
            .map(el => el.closest('tbody') ? 'RESULT' : el.tagName + ':' + (el.name || ''))"""
    )
    assert "INPUT:q" in order and "RESULT" in order, order
    assert order.index("INPUT:q") < order.index("RESULT"), order
    # and Tab from the search box goes on to the next filter, not back to the top
    page.locator("main input[name=q]").focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.closest('main form') !== null")
    assert focused
