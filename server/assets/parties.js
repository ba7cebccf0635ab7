// The parties' pages: photos uploaded resumably (tus-js-client, through the server's tus endpoint,
// so a photo cut off in a lift resumes where it stopped), and the applicant's signature drawn on a
// canvas (signature_pad). No eval, no inline handlers; every text a person reads comes from the
// page (data-* attributes rendered from texts.rs).
(function () {
  "use strict";

  function csrf() {
    var meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.getAttribute("content") : "";
  }

  function hex(buffer) {
    return Array.prototype.map
      .call(new Uint8Array(buffer), function (b) { return ("0" + b.toString(16)).slice(-2); })
      .join("");
  }

  function sha256(blob) {
    return blob.arrayBuffer().then(function (bytes) { return crypto.subtle.digest("SHA-256", bytes); }).then(hex);
  }

  // ---- resumable uploads ----

  // Counts uploads still running per form, so it is not sent before its photos are in.
  function pending(form, delta) {
    var n = (parseInt(form.dataset.pending || "0", 10) || 0) + delta;
    form.dataset.pending = String(n);
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = n > 0; });
  }

  function uploadOne(box, form, file) {
    var list = box.querySelector(".uploads");
    var item = document.createElement("li");
    item.dataset.state = "hashing";
    var name = document.createElement("span");
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    var status = document.createElement("span");
    status.className = "upload-status";
    status.textContent = box.dataset.textPreparing;
    item.append(name, " ", bar, " ", status);
    list.appendChild(item);
    pending(form, 1);
    var finished = false;
    function finish() {
      if (!finished) {
        finished = true;
        pending(form, -1);
      }
    }
    sha256(file).then(function (sum) {
      var upload = new tus.Upload(file, {
        endpoint: "/api/v1/uploads",
        chunkSize: 256 * 1024,
        retryDelays: [0, 1000, 2000, 4000, 8000, 15000, 30000],
        headers: { "X-CSRF-Token": csrf() },
        metadata: { sha256: sum, filename: file.name },
        storeFingerprintForResuming: true,
        removeFingerprintOnSuccess: true,
        onProgress: function (sent, total) {
          item.dataset.state = "uploading";
          bar.value = total ? Math.floor((sent / total) * 100) : 0;
          item.dataset.sent = String(sent);
          item.dataset.upload = upload.url || "";
          status.textContent = bar.value + "%";
        },
        onShouldRetry: function (err) {
          var response = err.originalResponse;
          var code = response ? response.getStatus() : 0;
          // A cut connection, the server busy, or another request on the same upload: try again.
          var again = code === 0 || code >= 500 || code === 409 || code === 423;
          if (again) {
            item.dataset.resumed = "true";
            status.textContent = box.dataset.textResuming;
          }
          return again;
        },
        onError: function () {
          item.dataset.state = "failed";
          status.textContent = box.dataset.textFailed;
          var retry = document.createElement("button");
          retry.type = "button";
          retry.textContent = box.dataset.textRetry;
          retry.addEventListener("click", function () {
            retry.remove();
            item.dataset.state = "uploading";
            status.textContent = box.dataset.textResuming;
            upload.start();
          });
          item.appendChild(retry);
        },
        onSuccess: function (payload) {
          var fileId = payload && payload.lastResponse ? payload.lastResponse.getHeader("Baoxiu-File-Id") : null;
          if (!fileId) {
            item.dataset.state = "failed";
            status.textContent = box.dataset.textFailed;
            finish();
            return;
          }
          var input = document.createElement("input");
          input.type = "hidden";
          input.name = box.dataset.field;
          input.value = fileId;
          form.appendChild(input);
          item.dataset.state = "done";
          item.dataset.file = fileId;
          bar.value = 100;
          status.textContent = box.dataset.textDone;
          finish();
        },
      });
      // A photo cut off earlier (the page reloaded, the phone slept) continues where it stopped.
      upload.findPreviousUploads().then(function (previous) {
        if (previous.length) {
          upload.resumeFromPreviousUpload(previous[0]);
        }
        upload.start();
      });
    }, function () {
      item.dataset.state = "failed";
      status.textContent = box.dataset.textFailed;
      finish();
    });
  }

  document.querySelectorAll(".uploader").forEach(function (box) {
    var form = box.closest("form");
    var input = box.querySelector("input[type=file]");
    input.addEventListener("change", function () {
      Array.prototype.forEach.call(input.files, function (file) { uploadOne(box, form, file); });
      input.value = "";
    });
  });

  // ---- the signature ----

  var canvas = document.getElementById("signature-canvas");
  if (canvas && window.SignaturePad) {
    var form = canvas.closest("form");
    var message = document.getElementById("sign-message");
    var pad = new SignaturePad(canvas, { backgroundColor: "rgb(255,255,255)", penColor: "rgb(0,0,0)" });
    var fit = function () {
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
    };
    fit();
    window.addEventListener("orientationchange", fit);
    var say = function (text) {
      message.textContent = text;
      message.hidden = !text;
    };
    pad.addEventListener("beginStroke", function () { say(""); });
    document.getElementById("sign-clear").addEventListener("click", function () {
      pad.clear();
      say("");
    });
    form.addEventListener("submit", function (event) {
      if (form.dataset.ready === "true") {
        return;
      }
      event.preventDefault();
      if (pad.isEmpty()) {
        say(form.dataset.textEmpty);
        return;
      }
      var button = document.getElementById("sign-confirm");
      button.disabled = true;
      say(form.dataset.textSending);
      canvas.toBlob(function (blob) {
        sha256(blob)
          .then(function (sum) {
            return fetch("/api/v1/files?filename=signature.png&sha256=" + sum, {
              method: "POST",
              credentials: "same-origin",
              headers: { "X-CSRF-Token": csrf(), "Content-Type": "image/png" },
              body: blob,
            });
          })
          .then(function (response) {
            if (!response.ok) {
              throw new Error(String(response.status));
            }
            return response.json();
          })
          .then(function (file) {
            document.getElementById("signature-file").value = file.id;
            form.dataset.ready = "true";
            form.submit();
          })
          .catch(function () {
            button.disabled = false;
            say(form.dataset.textFailed);
          });
      }, "image/png");
    });
  }
})();
