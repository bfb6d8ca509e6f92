// A dashboard request answered 401 means the session has ended (logged out elsewhere, disabled,
// password reset, kiosk token revoked): go to the login page once instead of leaving dead panels.
(function () {
  var original = window.fetch;
  if (!original || original.__gridboardAuth) { return; }
  var wrapped = function (input) {
    return original.apply(this, arguments).then(function (resp) {
      try {
        var url = typeof input === 'string' ? input : (input && input.url) || '';
        if (resp.status === 401 && /\/_dash-(update-component|layout|dependencies)/.test(url) && !window.__gbLeaving) {
          window.__gbLeaving = true;
          window.location.assign('/login?next=' + encodeURIComponent(location.pathname + location.search));
        }
      } catch (e) { /* never break the request itself */ }
      return resp;
    });
  };
  wrapped.__gridboardAuth = true;
  window.fetch = wrapped;
})();
