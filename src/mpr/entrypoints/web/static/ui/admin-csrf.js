// The admin's own requests carry the session's CSRF token; its actions are sent as POST.
const token = document.querySelector('meta[name="csrf-token"]')?.content;

function post(url) {
  const target = new URL(url, location.href);
  const form = document.createElement("form");
  form.method = "post";
  form.action = target.pathname;
  for (const [name, value] of [["pks", target.searchParams.get("pks") ?? ""], ["csrf_token", token]]) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.append(input);
  }
  document.body.append(form);
  form.submit();
}

function selectedPks() {
  return [...document.querySelectorAll(".select-box:checked")]
    .map((box) => box.parentElement.querySelector("input[type=hidden]")?.value ?? "").filter(Boolean);
}

if (token) {
  window.jQuery?.ajaxSetup({ headers: { "X-CSRF-Token": token } });
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a");
    if (!link) return;
    const href = link.getAttribute("href") ?? "";
    const dataUrl = link.dataset.url ?? "";
    if (href.includes("/action/")) {
      event.preventDefault();
      event.stopImmediatePropagation();
      post(href);
    } else if (dataUrl.includes("/action/") && href === "#") {
      event.preventDefault();
      event.stopImmediatePropagation();
      post(`${dataUrl}?pks=${selectedPks().join(",")}`);
    }
  }, true);
}
