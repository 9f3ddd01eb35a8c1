package io.capstan.proxy;

import io.capstan.proxy.xds.ApiType;

/** {@link NodeProxyIT}'s tests with state-of-the-world xDS ({@code capstan.proxy.api-type=SOTW}). */
class NodeProxySotwIT extends NodeProxyIT {
    @Override
    ApiType apiType() {
        return ApiType.SOTW;
    }
}
