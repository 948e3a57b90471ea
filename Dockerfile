# syntax=docker/dockerfile:1
# The Secret API's image, built from the repository root: docker build -t secret-api .
# Production pins the base image by digest; the tag here matches the Node the workspace is built
# and tested with (package.json engines, CI).
ARG NODE_IMAGE=node:20.20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# The lockfile and the install-script approvals (.npmrc strict-allow-scripts, package.json
# allowScripts) are written for npm 11; npm 10, which Node 20 ships, ignores the approvals and
# runs every install script.
RUN npm install --global npm@11.19.1
COPY . .
# npm ci runs the root "prepare" script, which builds every workspace (prisma generate, tsc -b).
# The cache mount keeps downloaded tarballs across builds without putting them in a layer.
RUN --mount=type=cache,target=/root/.npm npm ci
RUN npm prune --omit=dev

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and not writable by the user the API runs as: a compromised process cannot
# change the code it runs. The workspace links in node_modules point into apps/, libs/ and
# prisma/, so those come along whole (sources are small next to node_modules).
COPY --from=build /app /app
# node (uid 1000) comes with the base image. docker-compose.yml's vault-init makes the API's
# Vault credentials readable by this uid only.
USER node
EXPOSE 8080
# Liveness only (/readyz also checks Vault and the database). Node's fetch: the slim image has
# neither curl nor wget. PORT may be overridden, so the probe follows it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The API needs HOST=0.0.0.0 in a container (its default, 127.0.0.1, is unreachable from outside);
# it is left to the deployment, like every other variable, so the image has no hidden defaults.
CMD ["node", "apps/secret-api/bin/secret-api.js"]
