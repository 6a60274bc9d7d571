FROM nginx
HEALTHCHECK --interval=30s --timeout=5s --start-period=1m30s --start-interval=500ms --retries=3 \
  CMD curl -f http://localhost/ || exit 1
FROM nginx AS exec
HEALTHCHECK CMD ["curl", "-f", "http://localhost/"]
FROM nginx AS none
HEALTHCHECK NONE
