"""Exchange Online through Microsoft Graph (msal sign-in, delta polling, messageRules,
JSON `$batch` moves). See docs/graph.md; `backend.GraphBackend` is the MailBackend port."""
