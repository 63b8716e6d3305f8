// Names and structure sqladmin's pages leave out, so that screen readers can use the admin.
for (const button of document.querySelectorAll("#search-reset:not([aria-label])")) {
  button.setAttribute("aria-label", "Clear the search");
}
// Its navigation items are <li> elements in a <div>: say that the <div> is their list.
for (const item of document.querySelectorAll("li.nav-item")) {
  const parent = item.parentElement;
  if (parent && !["UL", "OL"].includes(parent.tagName)) parent.setAttribute("role", "list");
}
