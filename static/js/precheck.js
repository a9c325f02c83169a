// The pre-visit check on the video join page: does the browser support video calls, and may it use
// a camera and a microphone? Nothing is recorded or sent; the devices are released at once.
(function () {
  "use strict";
  var button = document.getElementById("precheck-start");
  if (!button) return;

  function report(name, ok, text) {
    var item = document.querySelector('[data-check="' + name + '"]');
    item.classList.toggle("ok", ok);
    item.classList.toggle("err", !ok);
    item.querySelector("span").textContent = text;
  }

  var supported = !!(window.RTCPeerConnection && navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  report("browser", supported, supported ? "fungerar för videobesök" :
    "stöder inte videobesök. Använd en aktuell Chrome, Edge, Firefox eller Safari.");

  button.addEventListener("click", function () {
    if (!supported) return;
    button.disabled = true;
    navigator.mediaDevices.getUserMedia({ video: true, audio: true }).then(function (stream) {
      report("camera", stream.getVideoTracks().length > 0, stream.getVideoTracks().length ? "fungerar" : "hittades inte");
      report("microphone", stream.getAudioTracks().length > 0, stream.getAudioTracks().length ? "fungerar" : "hittades inte");
      var preview = document.getElementById("precheck-preview");
      preview.srcObject = stream;
      preview.hidden = false;
      setTimeout(function () {
        stream.getTracks().forEach(function (track) { track.stop(); });
        preview.hidden = true;
        button.disabled = false;
      }, 5000);
    }).catch(function (error) {
      var denied = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
      var text = denied ? "webbläsaren fick inte använda den. Tillåt kamera och mikrofon för sidan och försök igen."
                        : "hittades inte eller används av ett annat program.";
      report("camera", false, text);
      report("microphone", false, text);
      button.disabled = false;
    });
  });
})();
