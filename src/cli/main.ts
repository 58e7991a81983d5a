console.log("clacks CLI: coming soon");
