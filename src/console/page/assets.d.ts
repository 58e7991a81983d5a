/** Style sheets imported by the page's entry: esbuild bundles them into console.css. */
declare module '*.css';
