// Upload progress: with JavaScript, the file form posts by XMLHttpRequest and fills a
// <progress> bar; without it, the same form posts and redirects as usual.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.matches("form.upload")) return;
  var bar = form.querySelector("progress");
  if (!bar || !window.FormData) return;
  event.preventDefault();
  var request = new XMLHttpRequest();
  request.open("POST", form.action);
  request.upload.addEventListener("progress", function (progress) {
    if (progress.lengthComputable) bar.value = progress.loaded / progress.total;
  });
  request.addEventListener("load", function () {
    if (request.status < 400) {
      // The form redirects back to this very page: load it again to list the new file.
      window.location.reload();
    } else {
      // The refusal is a whole page explaining it beside the file input: show it.
      document.open();
      document.write(request.responseText);
      document.close();
    }
  });
  bar.hidden = false;
  request.send(new FormData(form));
});
