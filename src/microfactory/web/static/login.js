// Log in: POST the credentials; the answer sets the session cookie, then go to the dashboard.
const form = document.getElementById("login-form");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("login-error");
  error.textContent = "";
  const response = await fetch("/api/v1/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    credentials: "same-origin",
    body: JSON.stringify({
      username: document.getElementById("username").value,
      password: document.getElementById("password").value,
    }),
  });
  if (response.ok) {
    window.location.assign("/ui/#/network");
  } else {
    const problem = await response.json().catch(() => ({ detail: response.statusText }));
    error.textContent = problem.detail || "login failed";
  }
});
