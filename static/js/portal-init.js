/* Runs first, in <head>: mark the page as scripted so CSS can tell the two cases apart
   (without JavaScript the mobile menu is shown open instead of behind a button). */
document.documentElement.classList.remove("no-js");
document.documentElement.classList.add("js");
